// Interface text in Chinese (default) and English, and the formats people expect: China dates,
// thousands separators, yuan.
import { createContext, useContext } from 'react';

export type Lang = 'zh' | 'en';

export function currentLang(): Lang {
  return localStorage.getItem('qianshou.lang') === 'en' ? 'en' : 'zh';
}

const TEXT = {
  appName: ['牵手计划 · 结对帮扶', 'Qianshou · Paired assistance'],
  skip: ['跳到正文', 'Skip to content'],
  overview: ['总览', 'Overview'],
  pairings: ['结对列表', 'Pairings'],
  review: ['审核队列', 'Review queue'],
  report: ['填报进展', 'Report progress'],
  signIn: ['登录', 'Sign in'],
  signOut: ['退出', 'Sign out'],
  language: ['English', '中文'],
  languageLabel: ['切换语言', 'Switch language'],
  loading: ['正在加载…', 'Loading…'],
  program: ['帮扶计划', 'Program'],
  region: ['地区', 'Region'],
  all: ['全部', 'All'],
  allRegions: ['全部地区', 'All regions'],
  health: ['健康度', 'Health'],
  status: ['状态', 'Status'],
  agency: ['机构', 'Agency'],
  agencySearch: ['搜索机构名称', 'Search agency name'],
  mentor: ['帮扶机构', 'Mentor agency'],
  supported: ['受援机构', 'Supported agency'],
  term: ['帮扶周期', 'Term'],
  progress: ['完成率', 'Progress'],
  elapsed: ['时间进度', 'Time elapsed'],
  overdue: ['逾期里程碑', 'Overdue milestones'],
  pairingsCount: ['结对数', 'Pairings'],
  activePairings: ['进行中结对', 'Active pairings'],
  byHealth: ['结对健康度', 'Pairings by health'],
  progressVsTime: ['完成率与时间进度', 'Progress against time elapsed'],
  progressVsTimeNote: ['每个点是一个结对（最多显示 100 个）；对角线以下表示进度落后于时间。', 'Each dot is a pairing (at most 100 shown); below the diagonal, progress trails time.'],
  services: ['服务与资源', 'Services and resources'],
  homeVisits: ['家庭探访（人次）', 'Home visits'],
  casework: ['个案（人次）', 'Casework cases'],
  groupSessions: ['小组活动（节次）', 'Group sessions'],
  themed: ['主题活动（次）', 'Themed activities'],
  training: ['人才培养（期）', 'Training sessions'],
  beneficiaries: ['受益群众（人）', 'Beneficiaries'],
  cash: ['资助金额', 'Cash linked'],
  inKind: ['物资折价', 'In kind'],
  batches: ['资助批次', 'Disbursements'],
  peopleFunded: ['资助人数', 'People funded'],
  trends: ['月度趋势', 'Trends by month'],
  activities: ['服务活动', 'Activities'],
  money: ['链接资金（元）', 'Money linked (yuan)'],
  coverage: ['一区县一中心、一镇街一站点', 'One center per county, one station per township'],
  coverageNote: ['无可用地图数据，按下级行政区以方格显示；颜色表示覆盖率，色条表示结对健康度。点击方格查看下一级。', 'No map data is available, so regions below are shown as a grid: colour shows coverage, the bar the health of pairings. Select a cell to look inside.'],
  counties: ['县区覆盖', 'Counties covered'],
  townships: ['镇街覆盖', 'Townships covered'],
  up: ['返回上一级', 'Up one level'],
  noData: ['暂无数据', 'No data'],
  due: ['截止日期', 'Due'],
  daysOverdue: ['逾期天数', 'Days overdue'],
  milestone: ['里程碑', 'Milestone'],
  export: ['导出', 'Export'],
  next: ['下一页', 'Next page'],
  previous: ['上一页', 'Previous page'],
  first: ['第一页', 'First page'],
  sortNote: ['点击列标题对全部结果排序，再次点击改为降序。', 'Select a column heading to sort the whole list; select it again for descending order.'],
  total: ['共', 'Total'],
  rows: ['条', 'rows'],
  search: ['搜索', 'Search'],
  clear: ['清除', 'Clear'],
  filters: ['筛选', 'Filters'],
  focusAreas: ['服务领域', 'Focus areas'],
  milestones: ['里程碑', 'Milestones'],
  termYear: ['第{n}年', 'Year {n}'],
  updates: ['进展报告', 'Updates'],
  submittedBy: ['提交人', 'Submitted by'],
  reviewedBy: ['审核人', 'Reviewed by'],
  reviewNote: ['审核意见', 'Review note'],
  note: ['说明', 'Note'],
  trainingSessions: ['人才培养', 'Training sessions'],
  serviceActivities: ['服务记录', 'Service activities'],
  stations: ['社工服务站', 'Service stations'],
  incubations: ['孵化机构', 'Incubated organizations'],
  resources: ['链接资源', 'Resources'],
  audit: ['操作记录', 'Audit history'],
  auditNote: ['本结对及其里程碑、进展和各项记录的操作，共 {n} 条，按时间先后排列。', 'Changes to this pairing and its milestones, updates and records: {n} in all, oldest first.'],
  object: ['对象', 'Object'],
  pairingObject: ['结对', 'Pairing'],
  updateObject: ['进展', 'Update'],
  voided: ['已作废', 'Voided'],
  approve: ['通过', 'Approve'],
  return: ['退回', 'Return'],
  returnNote: ['退回意见（退回时必填）', 'Note (required to return)'],
  markAchieved: ['同时标记里程碑为已达成', 'Also mark the milestone achieved'],
  queueEmpty: ['没有待审核的进展报告。', 'No updates are waiting for review.'],
  staleReview: ['该里程碑在您打开后已被他人修改，请查看最新内容后重新审核。', 'This milestone changed after you opened it; look at the latest and review again.'],
  reviewed: ['已审核。', 'Reviewed.'],
  choosePairing: ['选择结对', 'Choose a pairing'],
  submitUpdate: ['提交里程碑进展', 'Submit a milestone update'],
  recordTraining: ['记录人才培养', 'Record a training session'],
  recordActivity: ['记录服务活动', 'Record a service activity'],
  createStation: ['新建服务站', 'Create a service station'],
  recordIncubation: ['记录孵化机构', 'Record an incubation'],
  recordResource: ['记录链接资源', 'Record a linked resource'],
  voidRecord: ['作废', 'Void'],
  voidReason: ['作废原因', 'Reason for voiding'],
  save: ['提交', 'Submit'],
  saved: ['已保存。', 'Saved.'],
  required: ['必填', 'required'],
  name: ['用户名', 'Name'],
  password: ['密码', 'Password'],
  badCredentials: ['用户名或密码错误。', 'Wrong name or password.'],
  locked: ['尝试次数过多，账户已暂时锁定，请稍后再试。', 'Too many attempts: the account is locked for a while.'],
  signedInAs: ['当前用户', 'Signed in as'],
  anonymous: ['访客（只读）', 'Visitor (read only)'],
  notSignedIn: ['未登录', 'Not signed in'],
  inbox: ['通知', 'Inbox'],
  unread: ['未读', 'Unread'],
  unreadCount: ['{n} 条未读', '{n} unread'],
  markRead: ['标为已读', 'Mark read'],
  markAllRead: ['全部标为已读', 'Mark all read'],
  showUnread: ['只看未读', 'Unread only'],
  showAll: ['查看全部', 'Show all'],
  inboxEmpty: ['没有通知。', 'No notifications.'],
  notFound: ['找不到该页面或您无权查看。', 'This page does not exist or you may not see it.'],
  forbidden: ['您无权查看此结对。', 'You may not see this pairing.'],
  live: ['实时更新', 'Live updates'],
  liveEvent: ['{who}：{milestone} {kind}', '{who}: {milestone} {kind}'],
  mayNotWrite: ['当前身份不能填报。请以帮扶机构账户登录。', 'Your role cannot report progress. Sign in as a mentor agency.'],
  mayNotReview: ['当前身份不能审核，只能查看。', 'Your role may read but not review.'],
  networkError: ['无法连接服务器。', 'The server cannot be reached.'],
  retry: ['重试', 'Retry'],
  percent: ['完成百分比', 'Percent complete'],
  value: ['完成数值', 'Progress value'],
  evidence: ['佐证链接（每行一个）', 'Evidence links (one per line)'],
  evidenceFiles: ['佐证材料', 'Evidence files'],
  attachFiles: ['附加佐证材料（PDF、图片、Office 文档）', 'Attach evidence files (PDF, photos, Office documents)'],
  fileCaption: ['文件备注', 'Caption'],
  removeFile: ['移除', 'Remove'],
  download: ['下载', 'Download'],
  downloadFailed: ['下载失败。', 'The download failed.'],
  topic: ['主题', 'Topic'],
  startsOn: ['开始日期', 'Starts on'],
  endsOn: ['结束日期', 'Ends on'],
  hours: ['学时', 'Hours'],
  mode: ['方式', 'Mode'],
  participants: ['参训人数', 'Participants'],
  kind: ['类别', 'Kind'],
  occurredOn: ['日期', 'Date'],
  count: ['数量', 'Count'],
  station: ['服务站', 'Station'],
  stationName: ['服务站名称', 'Station name'],
  establishedOn: ['建站日期', 'Established on'],
  township: ['所在镇街/村', 'Township or village'],
  incubatedAgency: ['孵化的机构', 'Incubated agency'],
  stage: ['阶段', 'Stage'],
  projectName: ['项目名称', 'Project'],
  donor: ['捐赠方', 'Donor'],
  amount: ['金额（元）', 'Amount (yuan)'],
  batch: ['批次', 'Batch'],
  none: ['无', 'None'],
  when: ['时间', 'When'],
  who: ['操作人', 'Who'],
  action: ['操作', 'Action'],
  changes: ['变更', 'Changes'],
  viewPairing: ['查看结对', 'Open pairing'],
  recent: ['最近记录', 'Recent records'],
  month: ['月份', 'Month'],
  noOpenMilestones: ['该结对没有待完成的里程碑。', 'This pairing has no open milestone.'],
  table: ['查看数据表', 'Show as a table'],
  import: ['导入', 'Import'],
  importNote: ['下载所选类别的模板，按模板填写后上传（.xlsx 或 UTF-8/GB18030 编码的 CSV）。文件有任何问题时不写入任何数据；同一文件再次导入不会重复。', 'Download the template of the kind, fill it in and upload it (.xlsx, or CSV in UTF-8 or GB18030). A file with any problem writes nothing; importing the same file again changes nothing.'],
  importKind: ['导入类别', 'Kind of records'],
  importFile: ['选择文件', 'File'],
  downloadTemplate: ['下载“{kind}”模板（.xlsx）', 'Download the {kind} template (.xlsx)'],
  dryRun: ['检查（不写入）', 'Check (write nothing)'],
  importNow: ['导入', 'Import'],
  importing: ['正在上传并检查…', 'Uploading and checking…'],
  jobRunning: ['后台导入中：已读取 {read} 行，已写入 {written} 行…', 'Importing in the background: {read} rows read, {written} written…'],
  chooseFileFirst: ['请先选择文件。', 'Choose a file first.'],
  mayNotImport: ['当前身份不能导入数据。', 'Your role may not import records.'],
  dryRunReport: ['检查结果（未写入）', 'Check report (nothing written)'],
  importReport: ['导入结果', 'Import report'],
  importChecked: ['检查通过，未发现问题；点击“导入”写入。', 'No problems found; select Import to write the rows.'],
  importWritten: ['导入完成。', 'Imported.'],
  importHasProblems: ['文件有问题，未写入任何数据。请按下表修改后重新上传。', 'The file has problems and nothing was written. Correct the rows below and upload it again.'],
  rowsRead: ['读取行数', 'Rows read'],
  created: ['新建', 'Created'],
  updated: ['更新', 'Updated'],
  unchanged: ['未变', 'Unchanged'],
  problems: ['问题', 'Problems'],
  problemsShown: ['问题（显示前 {n} 条）', 'Problems (first {n} shown)'],
  sheet: ['工作表', 'Sheet'],
  row: ['行号', 'Row'],
  column: ['列', 'Column'],
  cell: ['单元格内容', 'Cell'],
  problem: ['问题说明', 'Problem'],
} as const satisfies Record<string, readonly [string, string]>;

export type TextKey = keyof typeof TEXT;

export type Translate = (key: TextKey, values?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const index = lang === 'zh' ? 0 : 1;
  return (key, values) => {
    let text: string = TEXT[key][index];
    for (const [name, value] of Object.entries(values ?? {})) text = text.replace(`{${name}}`, String(value));
    return text;
  };
}

export interface Locale {
  lang: Lang;
  t: Translate;
  setLang: (lang: Lang) => void;
  label: (enumName: string, value: string) => string;
}

export const LocaleContext = createContext<Locale>({
  lang: 'zh',
  t: translator('zh'),
  setLang: () => undefined,
  label: (_e, value) => value,
});

export function useLocale(): Locale {
  return useContext(LocaleContext);
}

const numbers = new Intl.NumberFormat('zh-CN');
const yuan = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY', minimumFractionDigits: 2 });
const chinaTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
});

export const formatNumber = (value: number | string): string => numbers.format(Number(value));
export const formatYuan = (value: number | string): string => yuan.format(Number(value));
export const formatPercent = (value: number): string => `${value.toFixed(1)}%`;
/** A DateTime as China time, e.g. 2020/05/03 14:20. */
export const formatDateTime = (value: string): string => chinaTime.format(new Date(value));
/** Dates from the API are China dates already: shown as they are. */
export const formatDate = (value: string | null | undefined): string => value ?? '—';
