# input;canonical save form (= for the same);OK|FAIL (iptables' extensions/*.t format)
:INPUT,FORWARD,OUTPUT
-s 127.0.0.1/32 -d 0.0.0.0/8 -j DROP;=;OK
! -s 0.0.0.0 -j ACCEPT;! -s 0.0.0.0/32 -j ACCEPT;OK
! -d 0.0.0.0/32 -j ACCEPT;=;OK
-s 0.0.0.0/24 -j RETURN;=;OK
-s 0.0.0.0/0 -j ACCEPT;-j ACCEPT;OK
-p tcp -j ACCEPT;=;OK
-p TCP -j ACCEPT;-p tcp -j ACCEPT;OK
-p 6 -j ACCEPT;-p tcp -j ACCEPT;OK
-p 47 -j ACCEPT;-p gre -j ACCEPT;OK
-p all -j ACCEPT;-j ACCEPT;OK
-p 0 -j ACCEPT;-j ACCEPT;OK
! -p udp -j ACCEPT;=;OK
! -p 0 -j ACCEPT;;FAIL
-p foo -j ACCEPT;;FAIL
-p 256 -j ACCEPT;;FAIL
-j DROP;=;OK
-j ACCEPT;=;OK
-j RETURN;=;OK
-j FOO;=;OK
-g FOO;=;OK
-j NOSUCHCHAIN;;FAIL
! -j ACCEPT;;FAIL
-j ACCEPT -j DROP;;FAIL
-s 10.0.0.1;-s 10.0.0.1/32;OK
-s 10.1;-s 10.1.0.0/32;OK
-s 10.11.12.13/8;-s 10.0.0.0/8;OK
-s 10.11.12.13/30;-s 10.11.12.12/30;OK
-s 10.11.12.13/255.0.0.0;-s 10.0.0.0/8;OK
-s 10.11.12.13/255.0.255.0;-s 10.0.12.0/255.0.255.0;OK
-s 0x0a.0.0.1;-s 10.0.0.1/32;OK
-s 1.2.3.999;;FAIL
-s 300.1.1.1;;FAIL
-s foo.invalid;;FAIL
-d 10.0.0.0/33;;FAIL
-s 1.1.1.1 -s 2.2.2.2;;FAIL
-s;;FAIL
-j ACCEPT extra;;FAIL
-f -j DROP;=;OK
! -f -j DROP;=;OK
--foo;;FAIL
--dport 80 -j ACCEPT;;FAIL
-m foobar -j ACCEPT;;FAIL
:FORWARD
--protocol=tcp --source=1.2.3.4 --destination=5.6.7.8/32 --in-interface=eth0 --out-interface=eth1 --jump=ACCEPT;-s 1.2.3.4/32 -d 5.6.7.8/32 -i eth0 -o eth1 -p tcp -j ACCEPT;OK
-ptcp -s1.2.3.4 -d5.6.7.8/32 -ieth0 -oeth1 -jACCEPT;-s 1.2.3.4/32 -d 5.6.7.8/32 -i eth0 -o eth1 -p tcp -j ACCEPT;OK
--proto udp --src 1.2.3.4 --dst 5.6.7.8 --jump ACCEPT;-s 1.2.3.4/32 -d 5.6.7.8/32 -p udp -j ACCEPT;OK
-i + -d 1.2.3.4;-d 1.2.3.4/32;OK
-i + -p tcp;-p tcp;OK
-i alongifacename0;=;OK
-i thisinterfaceistoolong0;;FAIL
-i eth+ -o alongifacename+;=;OK
! -i eth0 -o eth+ -j ACCEPT;=;OK
-o eth1 ! -i eth0 -p tcp ! -s 10.0.0.0/8 -d 1.2.3.4 -j ACCEPT;! -s 10.0.0.0/8 -d 1.2.3.4/32 ! -i eth0 -o eth1 -p tcp -j ACCEPT;OK
:INPUT
-o eth0 -j ACCEPT;;FAIL
:OUTPUT
-i eth0 -j ACCEPT;;FAIL
