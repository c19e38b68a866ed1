*nat
:PREROUTING,OUTPUT
-p tcp -j REDIRECT --to-ports 8080;=;OK
-p tcp -m multiport --dports 80,443 -j REDIRECT --to-ports 8080;=;OK
-p udp --dport 53 -j REDIRECT --to-ports 5353;-p udp -m udp --dport 53 -j REDIRECT --to-ports 5353;OK
-p tcp -j REDIRECT --to-ports 8080-8090;=;OK
-p tcp -j REDIRECT;=;OK
-j REDIRECT --to-ports 8080;;FAIL
-p tcp -j REDIRECT --to-ports foo;;FAIL
:POSTROUTING
-p tcp -j REDIRECT --to-ports 8080;;FAIL
