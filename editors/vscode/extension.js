// The VS Code side of rewind's debugger: it contributes the `rewind` debug
// type and runs `rewind dap` as its debug adapter; all debugging (reverse
// execution included) is the adapter's. The command `rewind.pickTrace`
// lists the recorded traces (`rewind ls`) for "Replay a trace…".

'use strict';

const vscode = require('vscode');
const { execFile } = require('child_process');
const traces = require('./traces');

function rewindPath() {
    return vscode.workspace.getConfiguration('rewind').get('path') || 'rewind';
}

function listTraces() {
    return new Promise((resolve, reject) => {
        execFile(rewindPath(), ['ls'], (err, stdout, stderr) => {
            if (err) {
                reject(new Error(`${rewindPath()} ls failed: ${stderr || err.message}`));
            } else {
                resolve(traces.parseTraceList(stdout));
            }
        });
    });
}

async function pickTrace() {
    let list;
    try {
        list = await listTraces();
    } catch (e) {
        vscode.window.showErrorMessage(e.message);
        return undefined;
    }
    if (list.length === 0) {
        vscode.window.showInformationMessage('No recorded traces: record one with `rewind record PROGRAM`.');
        return undefined;
    }
    const picked = await vscode.window.showQuickPick(traces.traceItems(list), {
        placeHolder: 'The recording to debug',
        matchOnDescription: true,
    });
    return picked ? picked.trace : undefined;
}

function activate(context) {
    context.subscriptions.push(
        vscode.commands.registerCommand('rewind.pickTrace', pickTrace),
        vscode.debug.registerDebugAdapterDescriptorFactory('rewind', {
            createDebugAdapterDescriptor() {
                return new vscode.DebugAdapterExecutable(rewindPath(), ['dap']);
            },
        }),
        vscode.debug.registerDebugConfigurationProvider('rewind', {
            resolveDebugConfiguration(_folder, config) {
                return traces.resolveConfiguration(config);
            },
        }),
        vscode.debug.registerDebugConfigurationProvider(
            'rewind',
            {
                provideDebugConfigurations() {
                    return traces.dynamicConfigurations();
                },
            },
            vscode.DebugConfigurationProviderTriggerKind.Dynamic
        )
    );
}

function deactivate() {}

module.exports = { activate, deactivate };
