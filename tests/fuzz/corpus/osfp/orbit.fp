; orbit's own SYN-ACK signatures for stacks newer than p0f 3.09b's database, in p0f v3's
; signature format (ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass). Read before
; Debian's /etc/p0f/p0f.fp (which orbit reads at run time and never copies), so a match
; here wins. Compiled into orbit (core/osfp/meson.build); core/osfp/osfp.h documents it.
;
; A SYN-ACK answers the SYN's options, so each group says which of orbit's probe option
; profiles (--tcp-options) it assumes:
;   linux     SYN offers mss,sok,ts,nop,ws   (the default)
;   windows   SYN offers mss,nop,ws,nop,nop,sok (no timestamps)
;   mss-only  SYN offers mss
;   none      SYN offers nothing
; Sources named as:
;   [lab]      a capture made in orbit's lab (tests/lab: Debian 12 namespaces on a 6.18
;              kernel): tcpdump of the SYN-ACKs to `orbit --tcp-options P` for each
;              profile P, 2026-12-02, hosts 198.18.1.10-15 ports 21,22,25,80,443,6379.
;   [nmap-db]  Debian's nmap 7.93 /usr/share/nmap/nmap-os-db, the named fingerprint:
;              OPS O1 (answer to a SYN offering ws,nop,mss,ts,sok: orbit's linux set),
;              ECN O (answer to a SYN offering ws,nop,mss,sok: orbit's windows set),
;              WIN W1 / ECN W, T1 TG (initial TTL), T1 DF, SEQ TI (Z: id 0 -> no id+).
;   [nmap-new] the same tests of a fingerprint in nmap-os-db newer than 7.93, as quoted
;              from it in the os_hound project's tests (test_scoring.py).

[tcp:response]

; [lab] Linux 6.18 (Debian 12 userland); agrees with [nmap-db] "Linux 4.15 - 5.6" and
; "Linux 5.0 - 5.4" (O1=M5B4ST11NW7, W1=FE88 = 65160, TI=Z, TG=40, DF=Y). The window is
; Linux's 64240 (44 * 1460) rounded to a multiple of 1448 (MSS less timestamps).
label = s:unix:Linux:4.x-6.x
profile = linux
sig   = *:64:0:*:65160,*:mss,sok,ts,nop,ws:df:0
profile = windows
sig   = *:64:0:*:mss*44,*:mss,nop,nop,sok,nop,ws:df:0
profile = mss-only,none
sig   = *:64:0:*:mss*44,0:mss:df:0

; [nmap-db] "Microsoft Windows 10 1809 - 1909" and 6 other Windows 10 entries
; (O1=MNW8ST11 or MNW8NNS, W1=FFFF, TI=I, TG=80, ECN O=MNW8NNS, ECN W=FFFF);
; [nmap-new] "Microsoft Windows 11 21H2" (Build 22000.708: O1=M5B4NW8ST11, W1=FFFF).
label = s:win:Windows:10 or 11
profile = linux
sig   = *:128:0:*:65535,8:mss,nop,ws,sok,ts:df,id+:0
sig   = *:128:0:*:65535,8:mss,nop,ws,nop,nop,sok:df,id+:0
profile = windows
sig   = *:128:0:*:65535,8:mss,nop,ws,nop,nop,sok:df,id+:0

; [nmap-db] "Microsoft Windows Server 2016" (4 entries) and 17 "Windows 10" entries:
; O1=MNW8ST11, W1=2000 (8192), TI=I or RD, TG=80, ECN O=MNW8NNS. p0f's "Windows 7 or 8"
; has the same SYN-ACK: the label says what this SYN-ACK alone can tell.
label = s:win:Windows:7 or newer (10, Server 2016)
profile = linux
sig   = *:128:0:*:8192,8:mss,nop,ws,sok,ts:df,id+:0
profile = windows
sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0

; [nmap-db] "Apple macOS 10.13 (High Sierra) - 10.15 (Catalina) or iOS 11.0 - 13.4" and
; "Apple macOS 10.14 (Mojave)": O1=MNW6NNT11SLL, W1=FFFF, TI=Z, TG=40, ECN O=MNW6SLL.
; macOS 11-14 keep Darwin's stack (no newer entry in Debian's nmap-os-db: unverified).
label = s:unix:macOS:10.13 or newer
profile = linux
sig   = *:64:0:*:65535,6:mss,nop,ws,nop,nop,ts,sok,eol+1:df:0

; [nmap-db] "FreeBSD 11.0-RELEASE - 12.0-CURRENT", "FreeBSD 12.0-RELEASE - 13.0-CURRENT":
; O1=MNW6ST11, W1=FFFF, TI=Z, TG=40, ECN O=MNW6SLL. FreeBSD 13-14 releases: no entry in
; Debian's nmap-os-db (13.0-CURRENT is the newest): unverified beyond that.
label = s:unix:FreeBSD:11-14
profile = linux
sig   = *:64:0:*:65535,6:mss,nop,ws,sok,ts:df:0

; Without timestamps offered, macOS's and FreeBSD's answers are the same bytes: [nmap-db]
; ECN O=MNW6SLL, W=FFFF, TI=Z for both "Apple macOS 10.14" and "FreeBSD 12.0-RELEASE".
label = s:unix:macOS or FreeBSD:
profile = windows
sig   = *:64:0:*:65535,6:mss,nop,ws,sok,eol+1:df:0

; [nmap-db] lwIP ("Espressif esp8266 firmware", "NodeMCU firmware", "Philips Hue Bridge",
; "Enlogic PDU"): O1=M5B4 or M218 (MSS only), W1=16D0, B68 or 860, TI=I, TG=FF, DF=N.
label = s:other:lwIP:embedded
profile = any
sig   = *:255:0:*:*,0:mss::0

; [nmap-db] VxWorks ("VxWorks 5.5", "VxWorks 7", "Netgear GSM7224 switch"):
; O1=M5B4NW0NNT11 or M5B4NW0, ECN O=M5B4NW0, TI=I, TG=40, DF=Y or N.
label = s:other:VxWorks:5.x-7
profile = linux
sig   = *:64:0:*:*,0:mss,nop,ws,nop,nop,ts:df,id+:0
sig   = *:64:0:*:*,0:mss,nop,ws,nop,nop,ts::0
sig   = *:64:0:*:*,0:mss,nop,ws:df,id+:0
profile = windows
sig   = *:64:0:*:*,0:mss,nop,ws:df,id+:0
sig   = *:64:0:*:*,0:mss,nop,ws::0
