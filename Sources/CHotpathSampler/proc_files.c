#define _GNU_SOURCE
#include "sampler_internal.h"
#include "hotpath_threads.h"

// The watchdog's view of threads: /proc/self/task, read without disturbing the threads (no
// signal, no ptrace), and their CPU clocks.

#if defined(__linux__) && defined(__x86_64__)

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

// Reads /proc/self/task/<tid>/<name> into `buffer` (NUL-terminated); the length, or 0.
ssize_t read_task_file(int32_t tid, const char *name, char *buffer, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/%s", tid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t length = read(fd, buffer, size - 1);
    close(fd);
    if (length <= 0) return 0;
    buffer[length] = 0;
    return length;
}

// The state letter of a `stat` line: the field after the parenthesised name.
static char state_from_stat(const char *stat) {
    const char *close_paren = strrchr(stat, ')');
    return close_paren && close_paren[1] == ' ' ? close_paren[2] : 0;
}

char thread_state(int32_t tid) {
    char buffer[512];
    return read_task_file(tid, "stat", buffer, sizeof buffer) ? state_from_stat(buffer) : 0;
}

char state_from_fd(int fd) {
    char buffer[512];
    if (fd < 0) return 0;
    ssize_t length = pread(fd, buffer, sizeof buffer - 1, 0);
    if (length <= 0) return 0;
    buffer[length] = 0;
    return state_from_stat(buffer);
}

uint64_t hotpath_thread_cpu_ns(int32_t tid) {
    clockid_t clock = (clockid_t)((~(unsigned)tid << 3) | 6);
    struct timespec time;
    if (clock_gettime(clock, &time) != 0) return 0;
    return (uint64_t)time.tv_sec * 1000000000ULL + (uint64_t)time.tv_nsec;
}

int hotpath_list_threads(int32_t *tids, char names[][16], int max) {
    DIR *directory = opendir("/proc/self/task");
    if (!directory) return 0;
    int count = 0;
    struct dirent *entry;
    while (count < max && (entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        int32_t tid = (int32_t)atoi(entry->d_name);
        char path[64];
        snprintf(path, sizeof path, "/proc/self/task/%d/comm", tid);
        names[count][0] = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t length = read(fd, names[count], 15);
            close(fd);
            if (length < 0) length = 0;
            names[count][length] = 0;
            while (length > 0 && names[count][length - 1] == '\n') names[count][--length] = 0;
        }
        tids[count++] = tid;
    }
    closedir(directory);
    return count;
}

int hotpath_open_thread_files(int32_t tid, int *stat_fd, int *syscall_fd) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    *stat_fd = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    *syscall_fd = open(path, O_RDONLY | O_CLOEXEC);
    return *stat_fd >= 0;
}

void hotpath_close_thread_files(int stat_fd, int syscall_fd) {
    if (stat_fd >= 0) close(stat_fd);
    if (syscall_fd >= 0) close(syscall_fd);
}

int hotpath_thread_status_fds(int stat_fd, int syscall_fd, char *state, long *syscall_number, uintptr_t *stack_pointer) {
    *state = state_from_fd(stat_fd);
    *syscall_number = -1;
    *stack_pointer = 0;
    if (*state == 0) return 0;
    if ((*state == 'S' || *state == 'D') && syscall_fd >= 0) {
        char buffer[512];
        ssize_t length = pread(syscall_fd, buffer, sizeof buffer - 1, 0);
        if (length > 0) {
            buffer[length] = 0;
            char *end;
            long number = strtol(buffer, &end, 0);
            if (end != buffer) *syscall_number = number;
            // The stack pointer is the second-to-last field.
            char *last = strrchr(buffer, ' ');
            if (last) {
                *last = 0;
                char *before = strrchr(buffer, ' ');
                if (before) *stack_pointer = (uintptr_t)strtoull(before + 1, NULL, 0);
            }
        }
    }
    return 1;
}

// Which of `values` (Swift task pointers) a blocked thread's stack holds: the job it runs keeps
// its task in callee-saved registers that the frames below spill, so the running task's
// pointer is on the stack between the system call and swift_job_run. -1 when none is, -2 when
// the stack could not be read.
int hotpath_blocked_stack_holds(int32_t tid, const uintptr_t *values, int count, int max_bytes) {
    uintptr_t sp, pc;
    if (!blocked_registers(tid, &sp, &pc)) return -2;
    if (count <= 0) return -1;
    enum { WINDOW = 4096 };
    uintptr_t words[WINDOW];
    size_t available = (size_t)max_bytes / sizeof(uintptr_t);
    if (available > WINDOW) available = WINDOW;
    while (available > 16 && !read_safely(sp, words, available * sizeof(uintptr_t))) available /= 2;
    if (available <= 16) return -2;
    for (size_t i = 0; i < available; i++) {
        if (words[i] == 0) continue;
        for (int k = 0; k < count; k++) {
            if (words[i] == values[k]) return k;
        }
    }
    return -1;
}

#else

int hotpath_list_threads(int32_t *tids, char names[][16], int max) { (void)tids; (void)names; (void)max; return 0; }
int hotpath_open_thread_files(int32_t tid, int *stat_fd, int *syscall_fd) { (void)tid; *stat_fd = -1; *syscall_fd = -1; return 0; }
void hotpath_close_thread_files(int stat_fd, int syscall_fd) { (void)stat_fd; (void)syscall_fd; }
int hotpath_thread_status_fds(int stat_fd, int syscall_fd, char *state, long *syscall_number, uintptr_t *stack_pointer) {
    (void)stat_fd; (void)syscall_fd; *state = 0; *syscall_number = -1; *stack_pointer = 0;
    return 0;
}
uint64_t hotpath_thread_cpu_ns(int32_t tid) { (void)tid; return 0; }
int hotpath_blocked_stack_holds(int32_t tid, const uintptr_t *values, int count, int max_bytes) {
    (void)tid; (void)values; (void)count; (void)max_bytes;
    return -2;
}

#endif
