:INPUT,FORWARD,OUTPUT
-m conntrack --ctstate NEW;=;OK
-m conntrack --ctstate NEW,ESTABLISHED;=;OK
-m conntrack --ctstate ESTABLISHED,NEW,RELATED;-m conntrack --ctstate NEW,RELATED,ESTABLISHED;OK
-m conntrack --ctstate new,established;-m conntrack --ctstate NEW,ESTABLISHED;OK
-m conntrack --ctstate INVALID;=;OK
-m conntrack --ctstate UNTRACKED;=;OK
-m conntrack --ctstate SNAT,DNAT;=;OK
-m conntrack ! --ctstate NEW;=;OK
-m conntrack --ctstate wrong;;FAIL
-m conntrack --ctstate NEW,;;FAIL
-m conntrack;;FAIL
:INPUT
-m state --state NEW;=;OK
-m state --state ESTABLISHED,RELATED;-m state --state RELATED,ESTABLISHED;OK
-m state ! --state INVALID;=;OK
-m state --state FOO;;FAIL
-m state --state SNAT;;FAIL
-m state;;FAIL
