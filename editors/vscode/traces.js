// The parts of the extension that do not need VS Code: reading the list of
// recorded traces that `rewind ls` prints (one per line: name, size and
// command line, separated by tabs), and the launch configurations the
// extension offers. tests/vscode_extension.rs runs these with node
// against a real `rewind ls`.

'use strict';

/// The traces in `rewind ls` output, newest last as rewind lists them.
function parseTraceList(text) {
    const traces = [];
    for (const line of text.split('\n')) {
        const fields = line.split('\t');
        if (fields.length < 3 || fields[0] === '') {
            continue;
        }
        traces.push({ name: fields[0], size: fields[1], command: fields.slice(2).join('\t') });
    }
    return traces;
}

/// Quick-pick items for the traces: the command line is what a user
/// recognizes, the name is what `trace` takes.
function traceItems(traces) {
    return traces
        .slice()
        .reverse()
        .map(t => ({ label: t.command, description: `${t.name}, ${t.size}`, trace: t.name }));
}

/// The configurations offered when a launch.json is made.
function dynamicConfigurations() {
    return [
        { type: 'rewind', request: 'launch', name: 'Replay the latest recording' },
        { type: 'rewind', request: 'launch', name: 'Replay a trace…', trace: '${command:rewind.pickTrace}' },
    ];
}

/// A configuration with no type (F5 with no launch.json) becomes a replay
/// of the latest recording.
function resolveConfiguration(config) {
    if (!config.type && !config.request && !config.name) {
        return { type: 'rewind', request: 'launch', name: 'Replay the latest recording' };
    }
    return config;
}

module.exports = { parseTraceList, traceItems, dynamicConfigurations, resolveConfiguration };
