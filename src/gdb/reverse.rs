//! Reverse execution for the debugger: gdb's `bc` (reverse-continue) and
//! `bs` (reverse-stepi; gdb builds reverse-step, -next, -finish and -nexti
//! from both) only note the motion here; the event loop then runs it like a
//! forward resume, with Ctrl-C watched, and reports its stop.
//!
//! A reverse run that reaches the first instruction of the trace stops
//! there with `replaylog:begin`, which gdb shows as "No more
//! reverse-execution history.".

use gdbstub::common::Tid;
use gdbstub::target::ext::base::reverse_exec::{ReverseCont, ReverseStep};

use super::target::{Direction, Fatal, ReplayTarget};
use crate::replay::RunMode;

impl ReverseCont<Tid> for ReplayTarget {
    fn reverse_cont(&mut self) -> Result<(), Fatal> {
        self.set_pending(Direction::Reverse, RunMode::Continue);
        Ok(())
    }
}

impl ReverseStep<Tid> for ReplayTarget {
    fn reverse_step(&mut self, _tid: Tid) -> Result<(), Fatal> {
        // Threads run one at a time: one instruction back in the replay is
        // one instruction back in the thread that stopped.
        self.set_pending(Direction::Reverse, RunMode::Step);
        Ok(())
    }
}
