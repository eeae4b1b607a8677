// Node-RED settings for the benchmark baseline flow (see README.md).
//
// Everything the flow needs comes from the environment, set by run.sh:
//   NR_PORT         port of the HTTP endpoints (default 18590)
//   NR_HOST         address to listen on (default 127.0.0.1)
//   NR_USER_DIR     Node-RED's working directory (default ./.userdir here)
//   NR_LOG_LEVEL    console log level (default warn)
//   NR_SOURCE_SECRET, NR_SINK_URL, NR_SINK_SECRET: read by the flow itself.
//
// The editor and the admin API are off: the flow in flows.json is the
// whole program, and nobody deploys into this instance.
const path = require("path");

// NR_DB: a SQLite file in which the flow stores every event before it
// answers, as ticketbridge does (WAL, synchronous=FULL: each answer waits
// for its own commit and fsync), and by whose webhook-id it drops
// redeliveries. Unset: the flow stores nothing. Node.js 22's built-in
// node:sqlite needs no native module to install.
function eventStore(file) {
    if (!file) {
        return null;
    }
    const { DatabaseSync } = require("node:sqlite");
    const db = new DatabaseSync(file);
    db.exec(`PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
        CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, webhook_id TEXT NOT NULL UNIQUE,
            conversation TEXT NOT NULL, received_at INTEGER NOT NULL, body BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS events_conversation ON events (conversation, seq);`);
    const insert = db.prepare(`INSERT INTO events (webhook_id, conversation, received_at, body)
        VALUES (?, ?, ?, ?) ON CONFLICT (webhook_id) DO NOTHING`);
    // put stores one delivery's events in one transaction and reports
    // whether the delivery was new.
    return {
        put(id, events, raw) {
            db.exec("BEGIN");
            try {
                let added = 0;
                events.forEach((ev, i) => {
                    const key = events.length > 1 ? id + "#" + i : id;
                    added += Number(insert.run(key, ev.conversation.id, Date.now(), raw).changes);
                });
                db.exec("COMMIT");
                return added > 0;
            } catch (err) {
                db.exec("ROLLBACK");
                throw err;
            }
        },
    };
}

module.exports = {
    uiHost: process.env.NR_HOST || "127.0.0.1",
    uiPort: Number(process.env.NR_PORT || 18590),

    // Node-RED keeps its runtime files (.config.*.json, package.json) in
    // userDir; keep them out of this folder.
    userDir: process.env.NR_USER_DIR || path.join(__dirname, ".userdir"),
    flowFile: path.join(__dirname, "flows.json"),
    flowFilePretty: true,

    httpAdminRoot: false,
    httpNodeRoot: "/",
    httpStatic: false,
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false },

    // The flow's function nodes use crypto for the HMACs:
    // global.get("crypto").
    functionGlobalContext: {
        crypto: require("crypto"),
        store: eventStore(process.env.NR_DB),
    },
    functionExternalModules: false,
    // The flow holds no credentials; this also silences the start-up
    // notice about a generated credentials key.
    credentialSecret: false,

    // The HTTP-in node of the flow has "Do not parse body" set: it hands
    // the raw request bytes to the flow, which checks the signature over
    // them before it parses the JSON. Nothing more is needed here.

    logging: {
        console: {
            level: process.env.NR_LOG_LEVEL || "warn",
            metrics: false,
            audit: false,
        },
    },
};
