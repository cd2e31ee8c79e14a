import NIOCore

/// Runs a task's jobs on one event loop: with it as the task's executor preference, the
/// benchmark's own code, FluentKit's async functions and the database's answer (given on the
/// same loop) all run on one thread, so a query costs its CPU work and nothing else, instead of
/// two thread wake-ups (task pool → loop → task pool) that dwarf and blur what is measured.
final class LoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the loop is thread-safe to enqueue on; the class has no other state.
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
