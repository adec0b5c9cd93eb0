// Floor experiment: N raw TCP clients to tcp-floor, epoll + read, no parsing. Prints CPU µs.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <time.h>
#include <signal.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static double cpu(){struct rusage r;getrusage(RUSAGE_SELF,&r);return r.ru_utime.tv_sec*1e6+r.ru_utime.tv_usec+r.ru_stime.tv_sec*1e6+r.ru_stime.tv_usec;}
int main(int argc,char**argv){
  int port=atoi(argv[1]), n=atoi(argv[2]); double secs=atof(argv[3]); int quick=argc>4?atoi(argv[4]):-1;
  int ep=epoll_create1(0);
  for(int i=0;i<n;i++){int s=socket(AF_INET,SOCK_STREAM,0);struct sockaddr_in a={0};a.sin_family=AF_INET;a.sin_port=htons(port);a.sin_addr.s_addr=htonl(0x7f000001);
    if(connect(s,(void*)&a,sizeof a)){perror("connect");return 1;}
    write(s,"STREAM \n",8);
    struct epoll_event e={.events=EPOLLIN,.data.fd=s};epoll_ctl(ep,EPOLL_CTL_ADD,s,&e);}
  fprintf(stderr,"connected\n");
  // wait for the go signal: stdin line
  char line[16]; fgets(line,sizeof line,stdin);
  static char buf[65536]; struct epoll_event evs[1024];
  long long bytes=0, reads=0, nl=0; double c0=cpu(), t0=now();
  while(now()-t0<secs){int k=epoll_wait(ep,evs,1024,100);for(int i=0;i<k;i++){ssize_t r=read(evs[i].data.fd,buf,sizeof buf);if(r>0){bytes+=r;reads++; for(ssize_t j=0;j<r;j++) if(buf[j]=='\n') nl++; if(quick==0){int z=0;setsockopt(evs[i].data.fd,IPPROTO_TCP,TCP_QUICKACK,&z,sizeof z);}}}}
  double c1=cpu();
  struct rusage ru;getrusage(RUSAGE_SELF,&ru);fprintf(stdout,"user_us=%ld sys_us=%ld ",ru.ru_utime.tv_sec*1000000+ru.ru_utime.tv_usec,ru.ru_stime.tv_sec*1000000+ru.ru_stime.tv_usec);printf("reads=%lld lines=%lld bytes=%lld cpu_us=%.0f us_per_read=%.2f\n",reads,nl,bytes,c1-c0,(c1-c0)/reads);
  return 0;}
