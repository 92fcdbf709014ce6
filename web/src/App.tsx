import { useCallback, useEffect, useMemo, useState } from 'react';
import { request } from './client';
import { InboxLink } from './components/InboxLink';
import { Link } from './components/Link';
import { LiveFeed } from './components/LiveFeed';
import { LocaleContext, translator, type Lang, type Locale } from './i18n';
import { LabelsQuery } from './labels';
import { Import } from './pages/Import';
import { Inbox } from './pages/Inbox';
import { Overview } from './pages/Overview';
import { PairingPage } from './pages/PairingPage';
import { Pairings } from './pages/Pairings';
import { Report } from './pages/Report';
import { ReviewQueue } from './pages/ReviewQueue';
import { SignIn } from './pages/SignIn';
import { navigate, useLocation, type Location } from './router';
import { importKinds, reports, reviews, ViewerContext, type Viewer } from './session';
import { LiveContext } from './useQuery';

function Page({ location, onSignedIn }: { location: Location; onSignedIn: () => void }) {
  const pairing = location.path.match(/^\/pairings\/([^/]+)$/);
  if (pairing) return <PairingPage id={decodeURIComponent(pairing[1])} />;
  switch (location.path) {
    case '/': return <Overview location={location} />;
    case '/pairings': return <Pairings location={location} />;
    case '/review': return <ReviewQueue />;
    case '/report': return <Report location={location} />;
    case '/import': return <Import />;
    case '/inbox': return <Inbox location={location} />;
    case '/sign-in': return <SignIn onSignedIn={onSignedIn} next={location.params.get('next') ?? '/'} />;
    default: return <p className="error-note" role="alert">404</p>;
  }
}

export function App() {
  const location = useLocation();
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem('qianshou.lang') === 'en' ? 'en' : 'zh'));
  const [labels, setLabels] = useState<Record<string, [string, string]>>({});
  const [viewer, setViewer] = useState<Viewer | null>(null);
  // Whether the server refused the visitor (production, anonymous access off): then there is no
  // read-only visitor, only someone not signed in yet.
  const [refused, setRefused] = useState(false);
  const [session, setSession] = useState(0);
  const [live, setLive] = useState(0);
  useEffect(() => {
    request(LabelsQuery, {}).then((answer) => {
      // Production refuses anonymous requests: the visitor signs in first, then comes back here.
      const here = window.location.pathname;
      if (answer.status === 401 && here !== '/sign-in') navigate(`/sign-in?next=${encodeURIComponent(here + window.location.search)}`, true);
      const table: Record<string, [string, string]> = {};
      for (const row of answer.data?.enumLabels ?? []) table[`${row.enum}.${row.value}`] = [row.zh, row.en];
      setLabels(table);
      setRefused(answer.status === 401);
      setViewer(answer.data?.viewer ?? { name: 'anonymous', role: 'VIEWER', agency: null });
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session]);
  const locale = useMemo<Locale>(() => ({
    lang,
    t: translator(lang),
    setLang: (next) => { localStorage.setItem('qianshou.lang', next); setLangState(next); },
    label: (enumName, value) => labels[`${enumName}.${value}`]?.[lang === 'zh' ? 0 : 1] ?? value,
  }), [lang, labels]);
  useEffect(() => { document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en'; }, [lang]);
  // After moving to another page, keyboard and screen-reader users start at its content, as after a load.
  const [firstPath] = useState(location.path);
  useEffect(() => {
    if (location.path !== firstPath) document.getElementById('main')?.focus();
  }, [location.path, firstPath]);
  const onEvent = useCallback(() => setLive((n) => n + 1), []);
  const signOut = async () => {
    await fetch('/auth/sign-out', { method: 'POST', credentials: 'same-origin', headers: { 'X-Requested-With': 'qianshou-web' } });
    setSession((n) => n + 1);
    navigate('/sign-in');
  };
  const { t } = locale;
  const current = viewer ?? { name: 'anonymous', role: 'VIEWER', agency: null };
  const anonymous = current.name === 'anonymous';
  const nav: [string, string][] = [['/', t('overview')], ['/pairings', t('pairings')]];
  if (reviews(current)) nav.push(['/review', t('review')]);
  if (reports(current)) nav.push(['/report', t('report')]);
  if (importKinds(current).length) nav.push(['/import', t('import')]);
  const active = (href: string) => (href === '/' ? location.path === '/' : location.path.startsWith(href));
  return (
    <LocaleContext.Provider value={locale}>
      <ViewerContext.Provider value={current}>
        <LiveContext.Provider value={live}>
          <a className="skip" href="#main">{t('skip')}</a>
          <header className="top">
            <Link href="/" className="brand">{t('appName')}</Link>
            <nav aria-label={t('appName')}>
              <ul>{nav.map(([href, text]) => <li key={href}><Link href={href} aria-current={active(href) ? 'page' : undefined}>{text}</Link></li>)}</ul>
            </nav>
            <div className="who">
              {viewer && !anonymous && <InboxLink current={location.path === '/inbox'} />}
              <span data-testid="who">{anonymous ? t(refused ? 'notSignedIn' : 'anonymous') : `${t('signedInAs')}：${current.name}（${locale.label('Role', current.role)}）`}</span>
              {anonymous || !viewer
                ? <Link href="/sign-in">{t('signIn')}</Link>
                : <button type="button" className="link" onClick={signOut}>{t('signOut')}</button>}
              <button type="button" className="lang" aria-label={`${t('languageLabel')}：${t('language')}`} onClick={() => locale.setLang(lang === 'zh' ? 'en' : 'zh')}>{t('language')}</button>
            </div>
          </header>
          <LiveFeed onEvent={onEvent} />
          <main id="main" tabIndex={-1}>
            {/* The overview and the list read the same for everyone: they start at once, with no wait for the viewer. */}
            {viewer || location.path === '/' || location.path === '/pairings'
              ? <Page location={location} onSignedIn={() => setSession((n) => n + 1)} />
              : <p role="status">{t('loading')}</p>}
          </main>
        </LiveContext.Provider>
      </ViewerContext.Provider>
    </LocaleContext.Provider>
  );
}
