/* Reproduces, without ioselectors, the one thing the test suite skips under qemu-user:
 * select(2) with an fd >= FD_SETSIZE (1024). The Linux kernel takes any nfds (the sets are
 * bitmaps of nfds bits), so this program exits 0 natively. qemu-user's select emulation
 * copies the guest's sets into host fd_sets with FD_SET, which glibc's fortify check aborts
 * on ("bit out of range 0 - FD_SETSIZE on fd_set"), so under qemu it dies on a signal.
 *
 * .ci/linux-arches builds it for each emulated target and runs it under that qemu: only when
 * it fails there (and passes natively) are the select tests above FD_SETSIZE skipped
 * (IOSELECTORS_EMULATOR=qemu-user, see tests/common/mod.rs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    const int fd = 1024;
    struct rlimit rl;
    int sv[2];
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return perror("getrlimit"), 2;
    if (rl.rlim_cur < 1100) {
        rl.rlim_cur = rl.rlim_max < 1100 ? rl.rlim_max : 1100;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return perror("setrlimit"), 2;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return perror("socketpair"), 2;
    if (dup2(sv[1], fd) != fd) return perror("dup2"), 2;
    /* A writable socket at fd 1024, in a set of nfds = 1025 bits (two fd_sets' worth). */
    unsigned char *set = calloc(2, sizeof(fd_set));
    if (!set) return 2;
    set[fd / 8] |= 1u << (fd % 8);
    struct timeval tv = {0, 0};
    int n = select(fd + 1, NULL, (fd_set *)set, NULL, &tv);
    if (n != 1) {
        fprintf(stderr, "select returned %d\n", n);
        return 1;
    }
    printf("select(%d, ..) with fd %d: 1 ready, as the kernel does\n", fd + 1, fd);
    return 0;
}
