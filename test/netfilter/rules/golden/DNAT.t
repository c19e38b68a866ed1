*nat
:PREROUTING,OUTPUT
-j DNAT --to-destination 1.1.1.1;=;OK
-j DNAT --to-destination 1.1.1.1-1.1.1.10;=;OK
-j DNAT --to 1.1.1.1;-j DNAT --to-destination 1.1.1.1;OK
-j DNAT --to-destination 1.1.1.1:1025-65535;;FAIL
-j DNAT --to-destination 1.1.1.1 --to-destination 2.2.2.2;;FAIL
-p tcp -j DNAT --to-destination 1.1.1.1:1025-65535;=;OK
-p tcp -j DNAT --to-destination 1.1.1.1-1.1.1.10:1025-65535;=;OK
-p tcp -j DNAT --to-destination 1.1.1.1:80-80;-p tcp -j DNAT --to-destination 1.1.1.1:80;OK
-p udp -j DNAT --to-destination :5353;=;OK
-p tcp -j DNAT --to-destination 1.1.1.1-1.1.1.10:1025-65536;;FAIL
-p tcp -j DNAT --to-destination 1.1.1.1 --random --persistent;=;OK
-j DNAT --to-destination 1.2.3.999;;FAIL
-j DNAT --to-destination;;FAIL
-j DNAT;;FAIL
! -p tcp -j DNAT --to-destination 1.1.1.1:80;;FAIL
-j DNAT --to-destination 1.1.1.1 -j ACCEPT;;FAIL
:POSTROUTING,INPUT
-j DNAT --to-destination 1.1.1.1;;FAIL
*filter
:INPUT,FORWARD,OUTPUT
-j DNAT --to-destination 1.1.1.1;;FAIL
*nat
:PREROUTING
-p tcp -j DNAT --to-destination 1.1.1.1:0;;FAIL
-p tcp -j DNAT --to-destination 1.1.1.1:80:90;;FAIL
-p tcp -j DNAT --to-destination 1.1.1.1:90-80;;FAIL
-j DNAT --to-destination 01.1.1.1;;FAIL
-j DNAT --to-destination 10.1;;FAIL
