// PostGraphile 5 serving the views of peer.sql (bench/PEERS.md). `python -m bench.peer` starts it
// with PEER_DATABASE_URL and PEER_PORT in its environment and NODE_ENV=production.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  // Without Node IDs a row's key is `rowId`, which the answer check compares with our decoded IDs.
  disablePlugins: ["NodePlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.PEER_DATABASE_URL,
      schemas: ["peer"],
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PEER_PORT),
    graphiql: false,
    watch: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
