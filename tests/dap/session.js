// A debugging session over the Debug Adapter Protocol against `rewind dap`,
// driven by the client library VS Code extensions use for their adapter
// tests (@vscode/debugadapter-testsupport). tests/dap.rs records
// tests/programs/reverse_demo.c, installs the library, and runs this script
// with node; the expected lines and values come from the recording (env
// DAP_TEST, JSON):
//
//   rewind   the rewind binary          trace  the trace directory
//   src      the program's source path  lines  {marker name: line number}
//   r        r[i]: what mix() returned in step i (r[0] unused)
//   totals   totals[i]: the total after step i
//   stdout   the recording's whole stdout
//   port     set: connect to `rewind dap --port` there instead of spawning
//   short    set: instead, a program's stdout and stderr (stderr: its
//            recorded stderr), to the end and back to the start
//   program  set: instead, "record and debug": a launch with this program
//            records it into a new trace under `traces`, then debugs it
//
// Each step prints a line, so a failure shows how far the session got.

'use strict';

const assert = require('assert');
const path = require('path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const cfg = JSON.parse(process.env.DAP_TEST);
const TIMEOUT = 240000;
const L = cfg.lines;

function step(what) {
    console.log(`dap: ${what}`);
}

function client() {
    const dc = new DebugClient(cfg.rewind, 'dap', 'rewind', { env: process.env }, true);
    dc.defaultTimeout = TIMEOUT;
    return dc;
}

/// Sends a resuming request and waits for the stop it leads to.
async function resume(dc, send) {
    const stopped = dc.waitForEvent('stopped', TIMEOUT);
    await send();
    const ev = await stopped;
    return ev.body;
}

async function top(dc, threadId) {
    const st = await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 20 });
    return st.body.stackFrames;
}

/// The variables of a scope of frame `frameId`, as {name: value}.
async function scopeValues(dc, frameId, scopeName) {
    const scopes = await dc.scopesRequest({ frameId });
    const scope = scopes.body.scopes.find(s => s.name === scopeName);
    assert.ok(scope, `no scope ${scopeName} in ${JSON.stringify(scopes.body)}`);
    const vars = await dc.variablesRequest({ variablesReference: scope.variablesReference });
    const out = {};
    for (const v of vars.body.variables) {
        out[v.name] = v.value;
    }
    return out;
}

async function evaluate(dc, expression, frameId) {
    const r = await dc.evaluateRequest({ expression, frameId, context: 'watch' });
    return r.body.result;
}

/// Checks where a stop is: reason, function, line, and returns the frames.
async function expectStop(dc, what, stop, reason, func, line) {
    assert.strictEqual(stop.reason, reason, `${what}: stop reason (${JSON.stringify(stop)})`);
    const frames = await top(dc, stop.threadId);
    const f = frames[0];
    assert.strictEqual(f.name, func, `${what}: function (${JSON.stringify(f)})`);
    if (line !== undefined) {
        assert.strictEqual(f.line, line, `${what}: line (${JSON.stringify(f)})`);
        assert.strictEqual(path.basename(f.source.path), path.basename(cfg.src), `${what}: source`);
    }
    step(`${what}: ${stop.reason} in ${f.name} at line ${f.line}`);
    return frames;
}

async function badTrace() {
    // A launch on a trace that does not exist fails with a message.
    const dc = client();
    await dc.start();
    await dc.initializeRequest({ adapterID: 'rewind', linesStartAt1: true, columnsStartAt1: true });
    await assert.rejects(
        dc.launchRequest({ trace: path.join(path.dirname(cfg.trace), 'no-such-trace') }),
        err => /no trace at/.test(err.message),
        'launch on a missing trace must fail with "no trace at"'
    );
    // An unknown request gets an error response, and the adapter goes on.
    await assert.rejects(dc.customRequest('frobnicate', {}), err => /does not support/.test(err.message));
    const threads = await dc.threadsRequest();
    assert.deepStrictEqual(threads.body.threads, []);
    await dc.disconnectRequest({});
    step('a missing trace and an unknown request give error responses');
}

/// The program's stdout and stderr as output events (a program that
/// writes both), the end and the beginning of the recording.
async function outputSession() {
    const dc = client();
    let stdout = '';
    let stderr = '';
    dc.on('output', e => {
        if (e.body.category === 'stdout') stdout += e.body.output;
        if (e.body.category === 'stderr') stderr += e.body.output;
    });
    await dc.start(cfg.port);
    await dc.initializeRequest({ adapterID: 'rewind', linesStartAt1: true, columnsStartAt1: true });
    const initialized = dc.waitForEvent('initialized', TIMEOUT);
    await dc.launchRequest({ trace: cfg.trace });
    await initialized;
    let stop = await resume(dc, () => dc.configurationDoneRequest());
    assert.strictEqual(stop.reason, 'end of recording', JSON.stringify(stop));
    const deadline = Date.now() + 30000;
    while ((stdout !== cfg.stdout || stderr !== cfg.stderr) && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 100));
    }
    assert.strictEqual(stdout, cfg.stdout, 'stdout output events');
    assert.strictEqual(stderr, cfg.stderr, 'stderr output events');
    step('run to the end of the recording: stdout and stderr came as output events');
    stop = await resume(dc, () => dc.reverseContinueRequest({ threadId: stop.threadId }));
    assert.strictEqual(stop.reason, 'beginning of recording', JSON.stringify(stop));
    step('reverseContinue: stopped at the beginning of the recording');
    await dc.disconnectRequest({});
    step('disconnect');
}

async function session() {
    const dc = client();
    let stdout = '';
    let console_text = '';
    dc.on('output', e => {
        if (e.body.category === 'stdout') stdout += e.body.output;
        if (e.body.category === 'console') console_text += e.body.output;
    });
    await dc.start(cfg.port);

    const init = await dc.initializeRequest({ adapterID: 'rewind', linesStartAt1: true, columnsStartAt1: true });
    const caps = init.body;
    for (const c of ['supportsStepBack', 'supportsConfigurationDoneRequest', 'supportsConditionalBreakpoints',
        'supportsFunctionBreakpoints', 'supportsDataBreakpoints', 'supportsRestartRequest', 'supportsEvaluateForHovers']) {
        assert.strictEqual(caps[c], true, `capability ${c}`);
    }
    step('initialize: capabilities include stepBack, data breakpoints, restart');

    // launch; on `initialized`, a breakpoint on add()'s first line and
    // configurationDone; the run stops there in step 1.
    const initialized = dc.waitForEvent('initialized', TIMEOUT);
    const firstStop = dc.waitForEvent('stopped', TIMEOUT);
    await dc.launchRequest({ trace: cfg.trace });
    await initialized;
    const bps = await dc.setBreakpointsRequest({
        source: { path: cfg.src },
        breakpoints: [{ line: L['add term'] }],
    });
    assert.strictEqual(bps.body.breakpoints[0].verified, true, JSON.stringify(bps.body));
    assert.strictEqual(bps.body.breakpoints[0].line, L['add term']);
    const missing = await dc.setBreakpointsRequest({ source: { path: '/no/such/file.c' }, breakpoints: [{ line: 3 }] });
    assert.strictEqual(missing.body.breakpoints[0].verified, false, JSON.stringify(missing.body));
    await dc.configurationDoneRequest();
    let stop = (await firstStop).body;
    let frames = await expectStop(dc, 'continue to the breakpoint', stop, 'breakpoint', 'add', L['add term']);
    const thread = stop.threadId;
    assert.strictEqual(frames[1].name, 'one_step', 'the caller of add()');
    assert.strictEqual(frames[1].line, L['step add'], 'the line of the call');
    const threads = await dc.threadsRequest();
    assert.ok(threads.body.threads.some(t => t.id === thread), JSON.stringify(threads.body));
    let args = await scopeValues(dc, frames[0].id, 'Arguments');
    assert.strictEqual(args.i, '1');
    assert.strictEqual(args.r, String(cfg.r[1]));
    const regs = await scopeValues(dc, frames[0].id, 'Registers');
    assert.ok('rip' in regs || 'pc' in regs, `registers: ${Object.keys(regs).join(' ')}`);
    step(`stack trace and variables: add(i=1, r=${args.r}) called from one_step`);


    // Forward to steps 2 and 3, then back to step 2.
    for (const i of [2, 3]) {
        stop = await resume(dc, () => dc.continueRequest({ threadId: thread }));
        frames = await expectStop(dc, `continue #${i}`, stop, 'breakpoint', 'add', L['add term']);
        args = await scopeValues(dc, frames[0].id, 'Arguments');
        assert.strictEqual(args.i, String(i));
        assert.strictEqual(await evaluate(dc, 'total', frames[0].id), String(cfg.totals[i - 1]));
    }
    stop = await resume(dc, () => dc.reverseContinueRequest({ threadId: thread }));
    frames = await expectStop(dc, 'reverseContinue', stop, 'breakpoint', 'add', L['add term']);
    args = await scopeValues(dc, frames[0].id, 'Arguments');
    assert.strictEqual(args.i, '2', 'reverseContinue goes back to the previous hit');
    assert.strictEqual(args.r, String(cfg.r[2]));
    assert.strictEqual(await evaluate(dc, 'total', frames[0].id), String(cfg.totals[1]),
        'total has its earlier value');
    step(`reverseContinue: back in step 2, total=${cfg.totals[1]}`);

    // The instructions at the stop, the memory of total, the source text.
    const ip = frames[0].instructionPointerReference;
    const dis = await dc.disassembleRequest({ memoryReference: ip, instructionOffset: -1, instructionCount: 3 });
    const insns = dis.body.instructions;
    assert.strictEqual(insns.length, 3, JSON.stringify(dis.body));
    assert.strictEqual(BigInt(insns[1].address), BigInt(ip), `disassembly around ${ip}: ${JSON.stringify(insns)}`);
    assert.ok(BigInt(insns[0].address) < BigInt(ip) && insns[1].instruction.length > 0, JSON.stringify(insns));
    const where = (await evaluate(dc, '&total', frames[0].id)).match(/0x[0-9a-f]+/);
    assert.ok(where, 'the address of total');
    const mem = await dc.customRequest('readMemory', { memoryReference: where[0], count: 8 });
    assert.strictEqual(Buffer.from(mem.body.data, 'base64').readBigInt64LE(), BigInt(cfg.totals[1]),
        'readMemory at &total');
    const text = await dc.sourceRequest({ source: { path: frames[0].source.path }, sourceReference: 0 });
    assert.ok(text.body.content.includes('LINE: add term'), 'source text');
    step('disassemble, readMemory and source');

    // Structured values: a hover on rbuf has children.
    const hover = await dc.evaluateRequest({ expression: 'rbuf', frameId: frames[0].id, context: 'hover' });
    assert.ok(hover.body.variablesReference > 0, JSON.stringify(hover.body));
    const kids = await dc.variablesRequest({ variablesReference: hover.body.variablesReference });
    assert.strictEqual(kids.body.variables.length, 2, JSON.stringify(kids.body));
    await assert.rejects(dc.evaluateRequest({ expression: 'no_such_var', frameId: frames[0].id }),
        err => /No symbol/.test(err.message));
    step('evaluate: structured children, and an error for an unknown name');

    // stepBack: one source line back, out of add() to its call; then one
    // line forward over add() and one back again.
    await dc.setBreakpointsRequest({ source: { path: cfg.src }, breakpoints: [] });
    stop = await resume(dc, () => dc.stepBackRequest({ threadId: thread }));
    frames = await expectStop(dc, 'stepBack out of add()', stop, 'step', 'one_step', L['step add']);
    stop = await resume(dc, () => dc.nextRequest({ threadId: thread }));
    frames = await expectStop(dc, 'next over add()', stop, 'step', 'one_step', L['step return']);
    assert.strictEqual(await evaluate(dc, 'total', frames[0].id), String(cfg.totals[2]));
    stop = await resume(dc, () => dc.stepBackRequest({ threadId: thread }));
    frames = await expectStop(dc, 'stepBack over one line', stop, 'step', 'one_step', L['step add']);
    assert.strictEqual(await evaluate(dc, 'total', frames[0].id), String(cfg.totals[1]),
        'after stepBack over add(), total is as before the call');
    const pc = frames[0].instructionPointerReference;
    stop = await resume(dc, () => dc.stepBackRequest({ threadId: thread, granularity: 'instruction' }));
    frames = await expectStop(dc, 'stepBack one instruction', stop, 'step', 'one_step');
    assert.ok(BigInt(frames[0].instructionPointerReference) < BigInt(pc),
        `one instruction back: ${frames[0].instructionPointerReference} before ${pc}`);

    // A data breakpoint on the global total; reverseContinue finds its last
    // write (in step 1), and continue the next one (in step 2).
    const info = await dc.dataBreakpointInfoRequest({ name: 'total' });
    assert.strictEqual(info.body.dataId, 'total', JSON.stringify(info.body));
    const dbp = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId, accessType: 'write' }] });
    assert.strictEqual(dbp.body.breakpoints[0].verified, true, JSON.stringify(dbp.body));
    stop = await resume(dc, () => dc.reverseContinueRequest({ threadId: thread }));
    frames = await expectStop(dc, 'reverseContinue to the last write', stop, 'data breakpoint', 'add', L['add write']);
    args = await scopeValues(dc, frames[0].id, 'Arguments');
    assert.strictEqual(args.i, '1', 'the last write before step 2 is in step 1');
    stop = await resume(dc, () => dc.continueRequest({ threadId: thread }));
    frames = await expectStop(dc, 'continue to the next write', stop, 'data breakpoint', 'add');
    assert.strictEqual(await evaluate(dc, 'total', frames[0].id), String(cfg.totals[1]), 'the write of step 1 is done');
    await dc.setDataBreakpointsRequest({ breakpoints: [] });

    // Back to the start of the recording.
    stop = await resume(dc, () => dc.reverseContinueRequest({ threadId: thread }));
    assert.strictEqual(stop.reason, 'beginning of recording', JSON.stringify(stop));
    step('reverseContinue with no breakpoint: stopped at the beginning of the recording');

    // -exec passthrough of a monitor command.
    const when = await evaluate(dc, '-exec monitor when');
    assert.match(when, /Current event: \d+/);
    step(`-exec monitor when: ${when}`);

    // A function breakpoint with a condition.
    const fbp = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'add', condition: 'i == 4' }] });
    assert.strictEqual(fbp.body.breakpoints[0].verified, true, JSON.stringify(fbp.body));
    stop = await resume(dc, () => dc.continueRequest({ threadId: thread }));
    frames = await expectStop(dc, 'conditional function breakpoint', stop, 'function breakpoint', 'add');
    args = await scopeValues(dc, frames[0].id, 'Arguments');
    assert.strictEqual(args.i, '4');
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });

    // Forward to the end: the replayed output came as output events, each
    // line once although the replay went over parts of it several times.
    stop = await resume(dc, () => dc.continueRequest({ threadId: thread }));
    assert.strictEqual(stop.reason, 'end of recording', JSON.stringify(stop));
    const deadline = Date.now() + 30000;
    while (stdout !== cfg.stdout && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 100));
    }
    assert.strictEqual(stdout, cfg.stdout, 'the stdout output events are the recording\'s stdout');
    step('continue to the end of the recording; the output events hold the program\'s stdout once');

    // restart: back to the start of the trace, and the first hit again.
    stop = await resume(dc, () => dc.restartRequest({}));
    assert.strictEqual(stop.reason, 'entry', JSON.stringify(stop));
    await dc.setBreakpointsRequest({ source: { path: cfg.src }, breakpoints: [{ line: L['add term'], condition: 'i == 1' }] });
    stop = await resume(dc, () => dc.continueRequest({ threadId: thread }));
    frames = await expectStop(dc, 'continue after restart', stop, 'breakpoint', 'add', L['add term']);
    args = await scopeValues(dc, frames[0].id, 'Arguments');
    assert.strictEqual(args.i, '1');
    assert.strictEqual(await evaluate(dc, 'total', frames[0].id), '0');
    step('restart: back at the start, then the first hit again');

    await dc.disconnectRequest({});
    step('disconnect');
}

/// A launch with `program`: the adapter records it (its output on the
/// debug console), then debugs the new trace; a program that cannot be run
/// fails the launch with a message.
async function recordSession() {
    const dc = client();
    const out = { console: '', stdout: '', stderr: '' };
    dc.on('output', e => {
        if (e.body.category in out) out[e.body.category] += e.body.output;
    });
    await dc.start();
    await dc.initializeRequest({ adapterID: 'rewind', linesStartAt1: true, columnsStartAt1: true });
    await assert.rejects(
        dc.launchRequest({ program: path.join(cfg.traces, 'no-such-program') }),
        err => /no-such-program.*cannot find program/.test(err.message),
        'recording a program that does not exist must fail the launch, naming it'
    );
    assert.ok(!require('fs').existsSync(path.join(cfg.traces, 'no-such-program-0')),
        'a recording that made no trace leaves no directory behind');
    step('a program that does not exist: the launch fails, naming it');
    const initialized = dc.waitForEvent('initialized', TIMEOUT);
    await dc.launchRequest({ program: cfg.program, args: ['one', 'two words'], cwd: cfg.traces });
    await initialized;
    const recorded = out.console;
    assert.ok(recorded.includes(`Recording: ${cfg.program} one two words\n`), recorded);
    const m = /Recorded .* into (.*); replaying it\.\n/.exec(recorded);
    assert.ok(m, `no "Recorded ... into" line in the console: ${recorded}`);
    assert.strictEqual(path.dirname(m[1]), cfg.traces, 'the new trace is under the trace directory');
    // What the program wrote while recorded, from the console.
    const lines = prefix => recorded.split('\n').filter(l => l.startsWith(prefix)).map(l => l + '\n').join('');
    assert.ok(lines('out 5: ').length > 0, recorded);
    step(`recorded into ${path.basename(m[1])}; its output was on the console`);
    let stop = await resume(dc, () => dc.configurationDoneRequest());
    assert.strictEqual(stop.reason, 'end of recording', JSON.stringify(stop));
    const deadline = Date.now() + 30000;
    while ((out.stdout !== lines('out ') || out.stderr !== lines('err ')) && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 100));
    }
    assert.strictEqual(out.stdout, lines('out '), 'the replay\'s stdout is what the recording printed');
    assert.strictEqual(out.stderr, lines('err '), 'the replay\'s stderr is what the recording printed');
    step('the replay ran to the end with the recorded output');
    stop = await resume(dc, () => dc.reverseContinueRequest({ threadId: stop.threadId }));
    assert.strictEqual(stop.reason, 'beginning of recording', JSON.stringify(stop));
    step('reverseContinue: the beginning of the recording');
    await dc.disconnectRequest({});
    step('disconnect');
}

(async () => {
    if (cfg.program) {
        await recordSession();
    } else if (cfg.short) {
        await outputSession();
    } else {
        await badTrace();
        await session();
    }
    console.log('dap: session passed');
})().catch(err => {
    console.log(`dap: FAILED: ${err.stack || err}`);
    process.exit(1);
});
