:INPUT,FORWARD,OUTPUT
-j LOG;=;OK
-j LOG --log-prefix "x ";=;OK
-j LOG --log-prefix abc;=;OK
-j LOG --log-prefix "a\"b";=;OK
-j LOG --log-level 4;-j LOG;OK
-j LOG --log-level warning;-j LOG;OK
-j LOG --log-level debug;-j LOG --log-level 7;OK
-j LOG --log-level 0;=;OK
-j LOG --log-level 8;;FAIL
-j LOG --log-level foo;;FAIL
-j LOG --log-prefix "abcdefghijklmnopqrstuvwxyz0123";;FAIL
-j LOG --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid;=;OK
-j LOG --log-prefix;;FAIL
*nat
:PREROUTING,POSTROUTING
-j LOG --log-prefix "nat ";=;OK
