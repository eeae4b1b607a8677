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
