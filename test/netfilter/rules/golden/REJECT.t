:INPUT,FORWARD,OUTPUT
-j REJECT;-j REJECT --reject-with icmp-port-unreachable;OK
-j REJECT --reject-with icmp-port-unreachable;=;OK
-j REJECT --reject-with icmp-net-unreachable;=;OK
-j REJECT --reject-with icmp-host-unreachable;=;OK
-j REJECT --reject-with icmp-proto-unreachable;=;OK
-j REJECT --reject-with icmp-net-prohibited;=;OK
-j REJECT --reject-with icmp-host-prohibited;=;OK
-j REJECT --reject-with icmp-admin-prohibited;=;OK
-j REJECT --reject-with host-unreach;-j REJECT --reject-with icmp-host-unreachable;OK
-p tcp -j REJECT --reject-with tcp-reset;=;OK
-p tcp -j REJECT --reject-with tcp-rst;-p tcp -j REJECT --reject-with tcp-reset;OK
-j REJECT --reject-with tcp-reset;;FAIL
-j REJECT --reject-with foo;;FAIL
*nat
:PREROUTING
-j REJECT;;FAIL
