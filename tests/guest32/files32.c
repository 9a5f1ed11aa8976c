/* File I/O through the 32-bit ABI: open/read/write, lseek and _llseek (lseek64), pread/pwrite
   past 4 GiB (register pairs), stat64/lstat64/fstatat64, truncate64, fcntl locks, statfs64,
   readlink, rename/unlink, and readdir over a directory with 2500 entries (32-bit off_t: the
   d_off values must fit, or glibc's readdir fails with EOVERFLOW). Built without
   _FILE_OFFSET_BITS=64 on purpose: readdir and lseek then use the 32-bit calls. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s errno=%d\n", __FILE__, __LINE__, #c, errno); exit(1); } } while (0)

static char dir[256];

static void path(char *out, const char *name) { snprintf(out, 512, "%s/%s", dir, name); }

int main(int argc, char **argv) {
    snprintf(dir, sizeof dir, "%s", argc > 1 ? argv[1] : "/tmp/files32");
    char p[512], q[512];
    mkdir(dir, 0755);

    /* plain I/O and lseek */
    path(p, "data");
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello, 32-bit world\n", 20) == 20);
    CHECK(lseek(fd, 7, SEEK_SET) == 7);
    char buf[64] = {0};
    CHECK(read(fd, buf, 6) == 6);
    printf("read: %s\n", buf);
    CHECK(lseek(fd, -6, SEEK_END) == 14);

    /* 64-bit offsets: lseek64 (_llseek), pwrite64/pread64 at 5 GiB */
    off64_t far = (5LL << 30) + 3;
    CHECK(pwrite64(fd, "far", 3, far) == 3);
    memset(buf, 0, sizeof buf);
    CHECK(pread64(fd, buf, 3, far) == 3);
    printf("pread64 at 5G: %s\n", buf);
    CHECK(lseek64(fd, 0, SEEK_END) == far + 3);
    errno = 0;
    CHECK(lseek(fd, 0, SEEK_CUR) == -1 && errno == EOVERFLOW);
    printf("lseek past 2G: EOVERFLOW\n");

    struct stat64 st;
    CHECK(fstat64(fd, &st) == 0);
    printf("fstat64 size=%lld regular=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    struct stat st32;
    errno = 0;
    CHECK(fstat(fd, &st32) == -1 && errno == EOVERFLOW);
    printf("fstat (32-bit size): EOVERFLOW\n");
    CHECK(ftruncate64(fd, 20) == 0);
    CHECK(fstat(fd, &st32) == 0);
    printf("fstat size=%ld nlink=%ld\n", (long)st32.st_size, (long)st32.st_nlink);

    /* record locks: struct flock (32-bit) and flock64 */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 4, .l_len = 8};
    CHECK(fcntl(fd, F_SETLK, &fl) == 0);
    struct flock64 fl64 = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK(fcntl(fd, F_GETLK64, &fl64) == 0);
    printf("own lock seen by F_GETLK64: %s\n", fl64.l_type == F_UNLCK ? "unlocked" : "locked");
    close(fd);

    /* links, stat of a symlink, rename, access */
    path(q, "link");
    unlink(q);
    CHECK(symlink("data", q) == 0);
    memset(buf, 0, sizeof buf);
    CHECK(readlink(q, buf, sizeof buf) == 4);
    printf("readlink: %s\n", buf);
    struct stat64 lst;
    CHECK(lstat64(q, &lst) == 0 && S_ISLNK(lst.st_mode));
    CHECK(stat64(q, &lst) == 0 && lst.st_size == 20);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    CHECK(fstatat64(dfd, "link", &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode));
    printf("stat64/lstat64/fstatat64 ok\n");
    path(p, "renamed");
    path(q, "data");
    CHECK(rename(q, p) == 0);
    CHECK(access(p, R_OK | W_OK) == 0);
    errno = 0;
    CHECK(access(q, F_OK) == -1 && errno == ENOENT);
    CHECK(truncate64(p, 3LL << 30) == 0);
    CHECK(stat64(p, &st) == 0);
    printf("truncate64 size=%lld\n", (long long)st.st_size);
    CHECK(unlink(p) == 0);
    path(q, "link");
    CHECK(unlink(q) == 0);

    struct statfs64 sf;
    CHECK(statfs64(dir, &sf) == 0 && sf.f_bsize > 0 && sf.f_namelen > 0);
    printf("statfs64 ok\n");

    /* readdir over 2500 entries; telldir/seekdir back to the middle */
    path(p, "many");
    mkdir(p, 0755);
    for (int i = 0; i < 2500; i++) {
        snprintf(q, sizeof q, "%s/many/e%04d", dir, i);
        int f = open(q, O_WRONLY | O_CREAT, 0644);
        CHECK(f >= 0);
        close(f);
    }
    DIR *d = opendir(p);
    CHECK(d != NULL);
    int n = 0, sum = 0;
    long mid = -1;
    char mid_next[256] = "";
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        n++;
        if (e->d_name[0] == 'e')
            sum += atoi(e->d_name + 1);
        if (n == 1250)
            mid = telldir(d);
        else if (n == 1251)
            snprintf(mid_next, sizeof mid_next, "%s", e->d_name);
    }
    CHECK(errno == 0);
    printf("readdir: %d entries, name sum %d\n", n, sum);
    seekdir(d, mid);
    e = readdir(d);
    CHECK(e != NULL);
    printf("seekdir back: %s\n", strcmp(e->d_name, mid_next) == 0 ? "same entry" : "different");
    rewinddir(d);
    int again = 0;
    while (readdir(d) != NULL)
        again++;
    printf("after rewinddir: %d entries\n", again);
    closedir(d);
    for (int i = 0; i < 2500; i++) {
        snprintf(q, sizeof q, "%s/many/e%04d", dir, i);
        unlink(q);
    }
    CHECK(rmdir(p) == 0);
    close(dfd);
    CHECK(rmdir(dir) == 0);
    printf("done\n");
    return 0;
}
