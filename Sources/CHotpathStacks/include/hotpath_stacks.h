#ifndef HOTPATH_STACKS_H
#define HOTPATH_STACKS_H

#include <stdint.h>

/// Writes the caller's return address, then the chain of async callers (each async frame's
/// resume point), into `out`; returns how many were written (0 when nothing could be read).
///
/// Must be called directly from a Swift async function (or a small sync function it calls):
/// on x86_64 Swift keeps the current async context in r14, which this reads on entry. The
/// first context is read with process_vm_readv and each resume point must lie in executable
/// code, so a register that does not hold a context yields an empty chain, never a crash.
int hotpath_capture_async_callers(uintptr_t *out, int max);

/// Writes the return addresses of the calling thread's frames (frame-pointer walk), the
/// caller of this function first; returns how many were written.
int hotpath_capture_frames(uintptr_t *out, int max);

/// As `hotpath_capture_frames`, and where the walk reaches an async function's frame it goes
/// on through that function's chain of async callers (resume points). `async_from`, when not
/// NULL, gets the index of the first resume point; it is left alone when there is none.
int hotpath_capture_caller_frames(uintptr_t *out, int max, int *async_from);

/// Finds the Swift runtime's job-running functions (once; not async-signal-safe: call it before
/// using `hotpath_is_job_run` in a signal handler).
void hotpath_find_job_functions(void);

/// Whether `address` lies in the runtime function that runs an async job: the frame that returns
/// there (or the one just above it) belongs to the async function the executor is running.
/// Async-signal-safe once `hotpath_find_job_functions` ran.
int hotpath_is_job_run(uintptr_t address);

/// Re-reads the ranges of executable code of the loaded images (after dlopen).
void hotpath_refresh_code_ranges(void);

/// 1 when `address` lies in executable code of a loaded image.
int hotpath_is_code_address(uintptr_t address);

/// The image (main program or shared library) that holds `address`: its load bias and path.
/// Returns 1 when found.
int hotpath_image_of(uintptr_t address, uintptr_t *bias, char *path, int path_capacity);

/// Starts `argv[0]` (a path) with `envp` (NULL: this process's environment) in `directory`
/// (NULL: this process's), stdin read from
/// `stdin_path`, stdout appended to `stdout_path` or, when `stdout_pipe` is given, sent to a new
/// pipe whose read end is returned there, stderr appended to `stderr_path` (each NULL:
/// /dev/null); in a process group of its own when `new_process_group`. No other descriptor of
/// this process is passed on, and the child starts with no signal blocked or ignored.
/// Returns 0 with the pid in `pid_out`, or an errno.
int hotpath_spawn(const char *const argv[], const char *const envp[], const char *directory, const char *stdin_path,
                  const char *stdout_path, const char *stderr_path, int new_process_group, int *stdout_pipe, int *pid_out);

/// Starts `argv[0]` with stdin read from `stdin_path` and stdout to a new pipe, whose read end
/// is returned in `stdout_fd`; no other descriptor of this process is passed on. Returns the
/// child's pid, or -1.
int hotpath_spawn_reading(const char *const argv[], const char *stdin_path, int *stdout_fd);

/// The calling thread's OS id (Linux tid), cached per thread: a thread-local read.
int32_t hotpath_thread_id(void);

/// Names the calling thread (its `comm`, 15 characters at most).
void hotpath_set_thread_name(const char *name);

/// Marks the calling thread as one of Hotpath's own (watchdog, sampler, symbolication), until
/// ``hotpath_unmark_own_thread``: profiles and the watchdog leave such threads out. By id, never
/// by name, so an app's thread named like Hotpath's is still seen. At most 256 at once.
void hotpath_mark_own_thread(void);
void hotpath_unmark_own_thread(void);
/// 1 when thread `tid` of this process is marked as Hotpath's own.
int hotpath_is_own_thread(int32_t tid);

/// A demangled C++ name (malloc'd, free it), or NULL.
char *hotpath_demangle_cplusplus(const char *mangled);

#endif
