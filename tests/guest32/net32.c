/* Sockets and polling through the 32-bit ABI: TCP over loopback (socket, bind, listen,
   getsockname, connect, accept4, send/recv, sendto/recvfrom, SO_RCVTIMEO with a 32-bit
   timeval), sendmsg/recvmsg with the compat msghdr and SCM_RIGHTS, poll, select (32-bit fd_set
   words) and epoll (the 16-byte EABI epoll_event). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s errno=%d\n", __FILE__, __LINE__, #c, errno); exit(1); } } while (0)

int main(void) {
    /* TCP over loopback */
    int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(srv >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(srv, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(listen(srv, 4) == 0);
    socklen_t len = sizeof sa;
    CHECK(getsockname(srv, (struct sockaddr *)&sa, &len) == 0 && sa.sin_port != 0);
    int cli = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(cli, (struct sockaddr *)&sa, sizeof sa) == 0);
    struct sockaddr_in peer;
    len = sizeof peer;
    int con = accept4(srv, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    CHECK(con >= 0 && len == sizeof peer && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    CHECK(send(cli, "ping", 4, 0) == 4);
    char buf[64] = {0};
    CHECK(recv(con, buf, sizeof buf, 0) == 4);
    printf("tcp: %s\n", buf);
    CHECK(sendto(con, "pong", 4, 0, NULL, 0) == 4);
    memset(buf, 0, sizeof buf);
    CHECK(recvfrom(cli, buf, sizeof buf, 0, NULL, NULL) == 4);
    printf("tcp back: %s\n", buf);

    /* SO_RCVTIMEO: 32-bit timeval both ways; a recv with nothing to read times out */
    struct timeval tv = {.tv_sec = 0, .tv_usec = 20000};
    CHECK(setsockopt(con, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    struct timeval got = {0};
    len = sizeof got;
    CHECK(getsockopt(con, SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0);
    printf("SO_RCVTIMEO: %ld.%06ld len %u\n", (long)got.tv_sec, (long)got.tv_usec, len);
    errno = 0;
    CHECK(recv(con, buf, sizeof buf, 0) == -1 && (errno == EAGAIN || errno == EWOULDBLOCK));
    printf("recv timed out\n");

    /* poll, select, epoll on the connection */
    CHECK(send(cli, "x", 1, 0) == 1);
    struct pollfd pfd = {.fd = con, .events = POLLIN};
    CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN));
    printf("poll: readable\n");
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(con, &rs);
    struct timeval tmo = {.tv_sec = 1};
    CHECK(select(con + 1, &rs, NULL, NULL, &tmo) == 1 && FD_ISSET(con, &rs));
    printf("select: readable\n");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, con, &ev) == 0);
    struct epoll_event out[4];
    memset(out, 0, sizeof out);
    CHECK(epoll_wait(ep, out, 4, 1000) == 1);
    printf("epoll: events %x data %llx\n", out[0].events, (unsigned long long)out[0].data.u64);
    close(ep);
    close(con);
    close(cli);
    close(srv);

    /* sendmsg/recvmsg with SCM_RIGHTS: pass a pipe's read end */
    int sv[2], pp[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK(pipe(pp) == 0);
    CHECK(write(pp[1], "through the fd", 14) == 14);
    char data[] = "hdr";
    struct iovec iov = {.iov_base = data, .iov_len = 3};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                         .msg_controllen = sizeof ctl.b};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pp[0], sizeof(int));
    CHECK(sendmsg(sv[0], &msg, 0) == 3);
    close(pp[0]);
    char rdata[8] = {0};
    struct iovec riov = {.iov_base = rdata, .iov_len = sizeof rdata};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int)) * 2];
    } rctl;
    memset(&rctl, 0, sizeof rctl);
    struct msghdr rmsg = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rctl.b,
                          .msg_controllen = sizeof rctl.b};
    CHECK(recvmsg(sv[1], &rmsg, 0) == 3);
    struct cmsghdr *rc = CMSG_FIRSTHDR(&rmsg);
    CHECK(rc != NULL && rc->cmsg_level == SOL_SOCKET && rc->cmsg_type == SCM_RIGHTS);
    CHECK(rc->cmsg_len == CMSG_LEN(sizeof(int)) && CMSG_NXTHDR(&rmsg, rc) == NULL);
    int passed;
    memcpy(&passed, CMSG_DATA(rc), sizeof passed);
    char text[32] = {0};
    CHECK(read(passed, text, sizeof text) == 14);
    printf("recvmsg: %s, controllen %u, fd says: %s\n", rdata, (unsigned)rmsg.msg_controllen, text);
    close(passed);
    close(pp[1]);
    close(sv[0]);
    close(sv[1]);
    printf("done\n");
    return 0;
}
