#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
int main(int argc, char **argv) {
    char dir[256];
    snprintf(dir, sizeof dir, "%s", argc > 1 ? argv[1] : "/tmp/armrun-fileio");
    mkdir(dir, 0755);
    if (chdir(dir) != 0) { perror("chdir"); return 1; }
    int fd = open("data.txt", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) { perror("open"); return 1; }
    for (int i = 0; i < 100; i++) dprintf(fd, "line %d\n", i);
    close(fd);
    struct stat st;
    if (stat("data.txt", &st) != 0) { perror("stat"); return 1; }
    printf("size=%lld mode=%o regular=%d\n", (long long)st.st_size, st.st_mode & 0777, S_ISREG(st.st_mode));
    FILE *f = fopen("data.txt", "r");
    char line[64];
    int count = 0;
    long sum = 0;
    while (fgets(line, sizeof line, f)) { count++; sum += atoi(line + 5); }
    printf("lines=%d sum=%ld\n", count, sum);
    fseek(f, -8, SEEK_END);
    printf("tail=%s", fgets(line, sizeof line, f));
    fclose(f);
    fd = open("data.txt", O_RDWR);
    lseek(fd, 5, SEEK_SET);
    write(fd, "X", 1);
    ftruncate(fd, 20);
    fstat(fd, &st);
    printf("after truncate size=%lld\n", (long long)st.st_size);
    close(fd);
    int p[2];
    pipe(p);
    write(p[1], "through a pipe", 14);
    char buf[32] = {0};
    read(p[0], buf, sizeof buf - 1);
    printf("pipe: %s\n", buf);
    int d = dup(p[0]);
    printf("dup ok=%d\n", d > 2);
    mkdir("sub", 0700);
    close(open("sub/a", O_CREAT | O_WRONLY, 0600));
    close(open("sub/b", O_CREAT | O_WRONLY, 0600));
    DIR *dp = opendir("sub");
    int entries = 0;
    struct dirent *de;
    while ((de = readdir(dp))) if (de->d_name[0] != '.') entries++;
    closedir(dp);
    printf("entries=%d\n", entries);
    unlink("sub/a"); unlink("sub/b"); rmdir("sub"); unlink("data.txt");
    printf("missing: %s\n", open("nope", O_RDONLY) < 0 && errno == ENOENT ? "ENOENT" : "?");
    char cwd[256];
    printf("cwd ends with dir: %d\n", getcwd(cwd, sizeof cwd) && strstr(cwd, "fileio") != NULL);
    return 0;
}
