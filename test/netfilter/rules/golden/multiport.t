:INPUT,FORWARD,OUTPUT
-p tcp -m multiport --dports 80,443;=;OK
-p tcp -m multiport --destination-ports 80,443;-p tcp -m multiport --dports 80,443;OK
-p tcp -m multiport --dports http,https;-p tcp -m multiport --dports 80,443;OK
-p udp -m multiport --sports 53,67:68;=;OK
-p tcp -m multiport --ports 22,80:90,443;=;OK
-p tcp -m multiport ! --dports 80,443;=;OK
-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15;=;OK
-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16;;FAIL
-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:15;=;OK
-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:16;;FAIL
-p tcp -m multiport --dports 90:80;;FAIL
-p tcp -m multiport --dports 80 --sports 80;;FAIL
-m multiport --dports 80,443;;FAIL
-p icmp -m multiport --dports 80;;FAIL
! -p tcp -m multiport --dports 80;;FAIL
-p tcp -m multiport;;FAIL
