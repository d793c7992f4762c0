//! Finding a register anchor fast.
//!
//! An asynchronous signal or a preemption that came between two syscalls is
//! anchored by the registers and a stack checksum at its instruction. The
//! plain way to find it again stops at every arrival at that instruction
//! and compares: fine for a few arrivals, hopeless in a loop run millions
//! of times. Loops have induction variables, though: a register that moves
//! by the same amount at each arrival tells how many arrivals away the
//! anchor is. So:
//!
//! 1. In a forked copy of the thread (the stretch up to the anchor has no
//!    syscall, so the copy runs the same code on the same memory), stop at
//!    the first three arrivals with a hit counter and compare each.
//! 2. From registers that moved by a constant step, predict the arrival `m`
//!    whose value is the anchor's; check each prediction in a fresh copy.
//! 3. When one matches, run the thread itself to arrival `m` with a
//!    counter: one native run, one stop.
//!
//! When nothing matches (no induction variable, counters unavailable), the
//! replay falls back to stopping at every arrival, as before. The copies
//! are killed; the thread itself never runs past the anchor.

use super::{ReplaySession, Result};
use crate::arch::regs::Regs;
use crate::arch::Arch;
use crate::ticks::hits::{HitCounter, HitKind, COUNT_SIGNAL};
use crate::trace::Event;
use crate::tracee::{Resume, Stop, Task};

/// Predictions tried at most.
const MAX_PREDICTIONS: usize = 4;

/// Run `task` to its `n`-th arrival at `addr` from here, counted; false
/// when it stopped for anything else (or counting is not possible).
fn run_arrivals(task: &Task, addr: u64, n: u64) -> Result<bool> {
    let Ok(_counter) = HitCounter::open(task.tid.as_raw(), addr, 8, HitKind::Exec, Some(n)) else {
        return Ok(false);
    };
    task.resume(Resume::Sysemu, None)?;
    Ok(matches!(task.wait()?, Stop::Signal { sig, .. } if sig == COUNT_SIGNAL))
}

/// Where an induction variable lives: a register (its index in the
/// register file) or a 32-bit slot of the stack window (its byte offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Var {
    Reg(usize),
    Stack(usize),
}

impl Var {
    /// How far the variable moved from `from` to `to` (stack slots as
    /// 32-bit numbers).
    fn moved(self, from: u64, to: u64) -> i64 {
        match self {
            Var::Reg(_) => to.wrapping_sub(from) as i64,
            Var::Stack(_) => (to as u32).wrapping_sub(from as u32) as i32 as i64,
        }
    }
}

/// How an induction variable numbers the arrivals at the anchor's
/// instruction: it holds `base` at the first and moves by `step` at each.
#[derive(Clone, Copy, Debug)]
struct Induction {
    var: Var,
    step: i64,
    base: u64,
}

/// The state of a thread at an arrival: registers and stack window.
struct Arrival {
    regs: Regs,
    stack: Vec<u8>,
}

impl Arrival {
    fn read(task: &Task, regs: Regs) -> Arrival {
        let (at, len) = crate::trace::stack_window_range(regs.sp());
        Arrival {
            stack: task.read_mem(at, len),
            regs,
        }
    }

    /// The thread's state now.
    fn now(task: &Task) -> Result<Arrival> {
        Ok(Arrival::read(task, task.regs()?))
    }

    /// Whether this is the anchor (`target`, the recorded state): the same
    /// registers, stack checksum and stack window.
    fn is(&self, target: &Arrival, crc: u32) -> bool {
        self.regs.sp() == target.regs.sp()
            && crate::trace::anchor_stack_matches(&self.stack, crc, &target.stack)
            && target.regs.diff(&self.regs).is_empty()
    }

    /// The value of `var` (stack slots as 32-bit numbers).
    fn value(&self, var: Var) -> Option<u64> {
        match var {
            Var::Reg(i) => self.regs.reg(i),
            Var::Stack(off) => self
                .stack
                .get(off..off + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64),
        }
    }
}

impl Induction {
    /// The number of the arrival in this state.
    fn arrival(&self, at: &Arrival) -> Option<u64> {
        let d = self.var.moved(self.base, at.value(self.var)?);
        if d % self.step != 0 || d / self.step < 0 {
            return None;
        }
        Some(1 + (d / self.step) as u64)
    }
}

/// Stop `task` at its next arrival at `addr` (one counted hit); its
/// registers there, or None when it stopped for anything else.
fn next_arrival(task: &Task, addr: u64) -> Result<Option<Arrival>> {
    let Ok(_counter) = HitCounter::open(task.tid.as_raw(), addr, 8, HitKind::Exec, Some(1)) else {
        return Ok(None);
    };
    loop {
        task.resume(Resume::Sysemu, None)?;
        match task.wait()? {
            Stop::Signal { sig, .. } if sig == COUNT_SIGNAL => {
                return Ok(Some(Arrival::now(task)?))
            }
            // A late stop of our chunk timer: go on.
            Stop::Signal { sig, info } if crate::tracee::stops::is_our_stop(sig, &info) => {}
            _ => return Ok(None),
        }
    }
}

/// Let `task` run natively for `ns` nanoseconds of its own CPU time, then
/// stop it wherever it is; the CPU time it ran, or None when it stopped for
/// another reason first (a syscall: past the anchor) or the clock is not
/// available.
fn run_for(task: &Task, ns: u64) -> Result<Option<u64>> {
    let clock = match HitCounter::cpu_clock(task.tid.as_raw(), ns) {
        Ok(c) => c,
        Err(e) => {
            log::debug!("no CPU clock for the anchor search: {e}");
            return Ok(None);
        }
    };
    task.resume(Resume::Sysemu, None)?;
    let stop = task.wait()?;
    let spent = clock.read().unwrap_or(ns);
    drop(clock);
    if matches!(stop, Stop::Signal { sig, .. } if sig == COUNT_SIGNAL) {
        return Ok(Some(spent));
    }
    log::debug!("anchor search: a timed run stopped with {stop:?}");
    Ok(None)
}

/// From arrival `k` (the task is there), go to arrival `m` exactly:
/// native runs sized by the thread's CPU time to land well short of it (a
/// third of the estimated time left, at the fastest rate seen), each ended
/// at the next arrival to read the exact count, then the last arrivals
/// counted. False when it went past or lost its way.
fn goto_arrival(
    task: &Task,
    addr: u64,
    ind: &Induction,
    m: u64,
    mut k: u64,
    pace: &mut Pace,
) -> Result<bool> {
    // Runs grow at most 4 times from one to the next: the first ones
    // measure a slow start (faults, cold caches) and would misjudge longer.
    let mut longest = 50_000u64;
    let rate = &mut pace.rate;
    // What the copies' shortest runs covered holds for the thread too: its
    // own first short runs must not pass the target for want of knowing.
    let mut shortest_span = pace.shortest_span.max(COUNTED_TAIL);
    let r = loop {
        if k == m {
            break Ok(true);
        }
        if k > m {
            break Ok(false);
        }
        let left = m - k;
        // Arrivals per nanosecond of the thread's time.
        let ns = match *rate {
            Some(r) if r > 0.0 => ((0.3 * left as f64 / r) as u64).min(longest.saturating_mul(4)),
            _ => 50_000,
        };
        longest = longest.max(ns);
        // The shortest run still covers `shortest_span` arrivals or so
        // (the clock fires late): below three times that, count the rest.
        if left <= COUNTED_TAIL || (ns < MIN_RUN_NS && left <= 3 * shortest_span) {
            break run_arrivals(task, addr, left);
        }
        let Some(spent) = run_for(task, ns.max(MIN_RUN_NS))? else {
            log::debug!("anchor search: a run of {ns} ns from arrival {k} (aiming at {m}) failed");
            break Ok(false);
        };
        let Some(at) = next_arrival(task, addr)? else {
            break Ok(false);
        };
        let Some(k2) = ind.arrival(&at) else {
            break Ok(false);
        };
        if k2 > m || k2 < k {
            log::debug!("anchor search: arrival {k2} after {k}, aiming at {m}");
            break Ok(false);
        }
        // The fastest rate seen: running short of the target is cheap,
        // passing it is not.
        if ns <= MIN_RUN_NS {
            shortest_span = shortest_span.max(k2 - k);
        }
        let r = (k2 - k) as f64 / spent.max(1) as f64;
        log::trace!("anchor search: {ns} ns asked, {spent} ran, arrival {k} -> {k2} of {m}");
        *rate = Some(rate.map_or(r, |old| old.max(r)));
        k = k2;
    };
    pace.shortest_span = pace.shortest_span.max(shortest_span);
    r
}

/// What timed runs toward an arrival have learnt, kept from the copies'
/// searches to the thread's own.
#[derive(Debug, Default)]
struct Pace {
    /// The fastest rate seen, in arrivals per nanosecond of thread time.
    rate: Option<f64>,
    /// The most arrivals the shortest run covered (the clock fires late).
    shortest_span: u64,
}

/// The shortest native run worth timing (the kernel's clock is not much
/// finer: runs overshoot by about 100 us).
const MIN_RUN_NS: u64 = 20_000;

/// Arrivals counted one by one at the end of a search.
const COUNTED_TAIL: u64 = 64;

/// One part of the way to an anchor: `to` arrivals at its instruction,
/// numbered by `ind` (none needed for at most three).
#[derive(Clone, Copy, Debug)]
struct Leg {
    ind: Option<Induction>,
    to: u64,
}

/// Phases of a stretch followed at most.
const MAX_PHASES: usize = 4;

/// Follow `route` from where `task` is: each leg's arrivals in turn, the
/// first three counted, the rest reached by its induction variable. False
/// when it lost its way.
fn walk(task: &Task, addr: u64, route: &[Leg], pace: &mut Pace) -> Result<bool> {
    for leg in route {
        let ok = match leg.ind {
            Some(ind) if leg.to > 3 => {
                run_arrivals(task, addr, 3)? && goto_arrival(task, addr, &ind, leg.to, 3, pace)?
            }
            _ => leg.to == 0 || run_arrivals(task, addr, leg.to)?,
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The registers that may be induction variables.
fn register_vars(arch: Arch) -> Vec<Var> {
    arch.data_regs().into_iter().map(Var::Reg).collect()
}

/// The registers and stack slots that move by a constant step over three
/// arrivals, each numbering them from the first.
fn inductions(first: &[Arrival]) -> Vec<Induction> {
    let [a, b, c] = first else {
        return Vec::new();
    };
    let mut vars = register_vars(a.regs.arch());
    if [b, c].iter().all(|x| x.regs.sp() == a.regs.sp()) {
        vars.extend(
            (0..a.stack.len().saturating_sub(3))
                .step_by(4)
                .map(Var::Stack),
        );
    }
    vars.into_iter()
        .filter_map(|var| {
            let (va, vb, vc) = (a.value(var)?, b.value(var)?, c.value(var)?);
            let s = var.moved(va, vb);
            (s != 0 && var.moved(vb, vc) == s).then_some(Induction {
                var,
                step: s,
                base: va,
            })
        })
        .collect()
}

/// Arrivals `1..=3` at `addr`; the number of the one matching the anchor,
/// or the states of the three.
fn first_arrivals(
    task: &Task,
    addr: u64,
    target: &Arrival,
    crc: u32,
) -> Result<std::result::Result<u64, Vec<Arrival>>> {
    let mut seen = Vec::new();
    for k in 1..=3 {
        let Some(at) = next_arrival(task, addr)? else {
            return Ok(Err(Vec::new()));
        };
        if at.is(target, crc) {
            return Ok(Ok(k));
        }
        seen.push(at);
    }
    Ok(Err(seen))
}

/// Induction variables among the first three arrivals, each with the
/// arrival it predicts for the anchor (`want`); the best supported first.
fn predictions(first: &[Arrival], want: &Arrival) -> Vec<(Induction, u64)> {
    let [a, b, c] = first else {
        return Vec::new();
    };
    let mut vars = register_vars(a.regs.arch());
    // Stack slots only where the frames line up.
    if !want.stack.is_empty() && [a, b, c].iter().all(|x| x.regs.sp() == want.regs.sp()) {
        vars.extend(
            (0..want.stack.len().saturating_sub(3))
                .step_by(4)
                .map(Var::Stack),
        );
    }
    let mut found: Vec<(Induction, u64)> = Vec::new();
    for var in vars {
        let (Some(va), Some(vb), Some(vc)) = (a.value(var), b.value(var), c.value(var)) else {
            continue;
        };
        let s = var.moved(va, vb);
        if s == 0 || var.moved(vb, vc) != s {
            continue;
        }
        let ind = Induction {
            var,
            step: s,
            base: va,
        };
        if let Some(m) = ind.arrival(want) {
            if m > 3 {
                found.push((ind, m));
            }
        }
    }
    // Arrivals predicted by more variables first, then nearer ones.
    let votes = |m: u64| found.iter().filter(|(_, n)| *n == m).count();
    let mut v = found.clone();
    v.sort_by_key(|&(_, m)| (std::cmp::Reverse(votes(m)), m));
    v.dedup_by_key(|(_, m)| *m);
    v.truncate(MAX_PREDICTIONS);
    v
}

impl ReplaySession {
    /// A copy of the running thread's process to search in: a fork whose
    /// shared mappings are made private, so that what it writes there does
    /// not reach the replayed processes.
    fn search_copy(&mut self, insn: u64) -> Result<Task> {
        let shared = super::shared::SharedContents::take(&self.task);
        let copy = self.task.inject_fork(insn)?;
        if let Err(e) = shared.privatize(&copy, insn) {
            copy.kill();
            return Err(e);
        }
        Ok(copy)
    }

    /// Whether the fast search may run here: the next event is an anchored
    /// one of the running thread, not tried yet, nothing half-delivered,
    /// and no breakpoint or watchpoint of the user's could stop the run.
    fn fast_anchor_due(&self) -> Option<(Regs, u32, Vec<u8>)> {
        if self.anchor_tried == Some(self.next)
            || self.pending_signal.is_some()
            || self.injecting.is_some()
            || self.syscall_insn().is_none()
            || !(self.triggers_suspended || (self.breakpoints.is_empty() && self.hw.is_empty()))
        {
            return None;
        }
        match self.events.get(self.next) {
            Some(Event::Signal {
                synchronous: false,
                regs,
                stack_crc,
                stack,
                tid,
                ..
            })
            | Some(Event::Preempt {
                regs,
                stack_crc,
                stack,
                tid,
                ..
            }) if *tid == self.current_tid => Some((*regs, *stack_crc, stack.clone())),
            _ => None,
        }
    }

    /// Go to the next event's anchor without stopping at every arrival, when
    /// an induction variable allows: first in a copy of the thread (so a
    /// wrong guess costs nothing), then in the thread itself. Leaves the
    /// thread where it was when it cannot.
    pub(super) fn seek_anchor_fast(&mut self) -> Result<()> {
        let Some((want, crc, want_stack)) = self.fast_anchor_due() else {
            return Ok(());
        };
        let target = Arrival {
            regs: want,
            stack: want_stack,
        };
        self.anchor_tried = Some(self.next);
        let Some(insn) = self.syscall_insn() else {
            return Ok(());
        };
        // Already there (a signal at a syscall's exit, say): nothing to
        // search, and a copy injected here could upset the syscall's state.
        if self.at_anchor()? {
            return Ok(());
        }
        if self.task.blocks_signal(COUNT_SIGNAL) {
            return Ok(());
        }
        let addr = want.ip();
        // In a copy: the first arrivals, then each prediction.
        let copy = self.search_copy(insn)?;
        self.at_signal_stop = false;
        let first = first_arrivals(&copy, addr, &target, crc);
        copy.kill();
        let first = match first? {
            Ok(_) => return Ok(()), // among the first three: the plain search is quick
            Err(f) => f,
        };
        let mut pace = Pace::default();
        let mut chosen: Option<Vec<Leg>> = None;
        let predicted = predictions(&first, &target);
        log::debug!("anchor at {addr:#x}: predictions {predicted:?}");
        'predictions: for (ind, m) in predicted {
            let route = vec![Leg {
                ind: Some(ind),
                to: m,
            }];
            // A copy that went past the arrival (a timed run that ended
            // late, on a loaded machine) says nothing about the
            // prediction: try again with runs four times shorter.
            for attempt in 0..3 {
                let copy = self.search_copy(insn)?;
                self.at_signal_stop = false;
                let found = (|| -> Result<Option<bool>> {
                    if !walk(&copy, addr, &route, &mut pace)? {
                        return Ok(None);
                    }
                    Ok(Some(Arrival::now(&copy)?.is(&target, crc)))
                })();
                copy.kill();
                match found? {
                    Some(true) => {
                        chosen = Some(route);
                        break 'predictions;
                    }
                    Some(false) => break,
                    None => {
                        log::debug!("anchor at {addr:#x}: a copy lost its way (attempt {attempt})");
                        pace.rate = pace.rate.map(|r| r * 4.0);
                    }
                }
            }
        }
        if chosen.is_none() {
            chosen = self.route_by_phases(insn, addr, first, &target, crc, &mut pace)?;
        }
        log::debug!("anchor at {addr:#x}: route {chosen:?}");
        let Some(route) = chosen else {
            return Ok(());
        };
        // The thread itself, the same way.
        let ok = walk(&self.task, addr, &route, &mut pace)?;
        self.at_signal_stop = true;
        if !ok || !Arrival::now(&self.task)?.is(&target, crc) {
            return Err(super::ReplayError::Unsupported(format!(
                "going to a recorded switch point at {addr:#x} (route {route:?}), the thread did \
                 not arrive there as its copy did; the replay has diverged (please report this)"
            )));
        }
        Ok(())
    }

    /// When no induction variable of the first arrivals predicts the
    /// anchor, the stretch may run through phases: the end of one loop's
    /// run, then (with no syscall between) another run of the same code
    /// with other values, as when a runtime switches user-space threads
    /// (goroutines). Each phase is numbered by its own induction variable:
    /// find where it ends (in copies), take the next phase's first three
    /// arrivals, and predict from those. The route found is the count of
    /// arrivals of each phase, reproducible in the thread itself.
    fn route_by_phases(
        &mut self,
        insn: u64,
        addr: u64,
        mut first: Vec<Arrival>,
        target: &Arrival,
        crc: u32,
        pace: &mut Pace,
    ) -> Result<Option<Vec<Leg>>> {
        let mut legs: Vec<Leg> = Vec::new();
        for _ in 0..MAX_PHASES {
            let Some(ind) = inductions(&first).into_iter().next() else {
                return Ok(None);
            };
            let sp = first[0].regs.sp();
            let Some(len) = self.phase_end(insn, addr, &legs, ind, sp, pace)? else {
                return Ok(None);
            };
            log::debug!("anchor at {addr:#x}: a phase of {len} arrivals numbered by {ind:?}");
            legs.push(Leg {
                ind: Some(ind),
                to: len,
            });
            // The next phase's first three arrivals.
            let copy = self.search_copy(insn)?;
            self.at_signal_stop = false;
            let next = (|| -> Result<Option<std::result::Result<u64, Vec<Arrival>>>> {
                if !walk(&copy, addr, &legs, pace)? {
                    return Ok(None);
                }
                Ok(Some(first_arrivals(&copy, addr, target, crc)?))
            })();
            copy.kill();
            first = match next? {
                None => return Ok(None),
                Some(Ok(k)) => {
                    legs.push(Leg { ind: None, to: k });
                    return Ok(Some(legs));
                }
                Some(Err(f)) if f.len() == 3 => f,
                Some(Err(_)) => return Ok(None),
            };
            for (ind, m) in predictions(&first, target) {
                let mut route = legs.clone();
                route.push(Leg {
                    ind: Some(ind),
                    to: m,
                });
                let copy = self.search_copy(insn)?;
                let found = (|| -> Result<bool> {
                    Ok(walk(&copy, addr, &route, pace)? && Arrival::now(&copy)?.is(target, crc))
                })();
                copy.kill();
                if found? {
                    return Ok(Some(route));
                }
            }
        }
        Ok(None)
    }

    /// The number of arrivals of the phase that `legs` lead to (numbered
    /// by `ind`, its frame at `sp`), found in copies: timed runs while the
    /// arrivals still fit the phase, then the last ones counted. None when
    /// the phase does not end before the thread stops for something else.
    fn phase_end(
        &mut self,
        insn: u64,
        addr: u64,
        legs: &[Leg],
        ind: Induction,
        sp: u64,
        pace: &mut Pace,
    ) -> Result<Option<u64>> {
        let fits = |at: &Arrival, k: u64| at.regs.sp() == sp && ind.arrival(at) == Some(k);
        let in_phase = |at: &Arrival| (at.regs.sp() == sp).then(|| ind.arrival(at)).flatten();
        let mut start = |this: &mut Self, to: u64| -> Result<Option<Task>> {
            let copy = this.search_copy(insn)?;
            this.at_signal_stop = false;
            let mut route = legs.to_vec();
            route.push(Leg { ind: Some(ind), to });
            if walk(&copy, addr, &route, pace)? {
                Ok(Some(copy))
            } else {
                copy.kill();
                Ok(None)
            }
        };
        // Timed runs, longer while they stay in the phase, shorter from
        // the last arrival known in it when one leaves it.
        let mut lo = 3u64;
        let mut ns = 50_000u64;
        let mut copy = start(self, lo)?;
        let mut left_it = false;
        for _ in 0..64 {
            let Some(c) = copy.as_ref() else {
                return Ok(None);
            };
            if run_for(c, ns)?.is_none() {
                break;
            }
            let at = match next_arrival(c, addr)? {
                Some(_) => Arrival::now(c)?,
                None => break,
            };
            match in_phase(&at) {
                Some(k) if k > lo => {
                    lo = k;
                    if !left_it {
                        ns = (ns * 2).min(1_000_000_000);
                    }
                }
                _ => {
                    left_it = true;
                    if let Some(c) = copy.take() {
                        c.kill();
                    }
                    if ns <= MIN_RUN_NS {
                        break;
                    }
                    ns = (ns / 4).max(MIN_RUN_NS);
                    copy = start(self, lo)?;
                }
            }
        }
        if let Some(c) = copy.take() {
            c.kill();
        }
        if !left_it {
            return Ok(None);
        }
        // The last arrivals: in chunks, then one by one from the last
        // chunk that stayed in the phase.
        for chunk in [64u64, 1] {
            let Some(c) = start(self, lo)? else {
                return Ok(None);
            };
            let r = (|| -> Result<()> {
                for _ in 0..(1 << 20) {
                    if !run_arrivals(&c, addr, chunk)? || !fits(&Arrival::now(&c)?, lo + chunk) {
                        return Ok(());
                    }
                    lo += chunk;
                }
                Ok(())
            })();
            c.kill();
            r?;
        }
        Ok(Some(lo))
    }
}
