// The report's sentences, in French (the lab's language, the default) and English. Every number
// reaches a sentence as an argument; no sentence carries a number of its own except the constants
// of the protocols it explains (header sizes, the 95% level).

import type { HostRole, NatRewrite, PolicyKind, Q1Action } from './model.ts';

export type Lang = 'fr' | 'en';

/** Decimal formatting without Intl: toFixed is locale-independent; French writes a decimal comma. */
export function formatNumber(lang: Lang, n: number, digits: number): string {
  const s = n.toFixed(digits);
  return lang === 'fr' ? s.replace('.', ',') : s;
}

/** French puts a space before %, English does not. */
export function formatPercent(lang: Lang, share: number, digits = 1): string {
  return `${formatNumber(lang, share * 100, digits)}${lang === 'fr' ? ' %' : '%'}`;
}

const list = (items: string[], and: string): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${and} ${items[items.length - 1]}`;

const fr = {
  and: 'et',
  /** Between list items and between an interval's bounds (French typography: a space before ;). */
  sep: ' ; ',
  intervalSep: ' ; ',
  yes: 'oui',
  no: 'non',
  none: '—',
  title: 'Compte rendu — Load balancing (server farm)',
  meta: (scenario: string, seed: number, startUtc: string, durationS: string) =>
    `Scénario ${scenario}, graine ${seed}, début de la simulation ${startUtc}, durée simulée ${durationS} s.`,
  intro:
    'Ce compte rendu est produit par lbsim à partir de l’exécution elle-même : chaque nombre vient des sorties des consoles, des compteurs iptables ou des captures de cette exécution. La dernière section indique, pour chaque affirmation, quel fichier ouvrir dans Wireshark et quel filtre taper.',
  figureNote: (caption: string) => `Figure « ${caption} » : voir report.html.`,
  serverName: (n: number) => `serveur ${n}`,
  serverShort: (n: number) => `srv ${n}`,
  role: (r: HostRole) => ({ client: 'client', switch: 'web switch', server: 'serveur web', other: 'hôte' })[r],
  policy: (p: PolicyKind) =>
    ({ 'round-robin': 'round robin', random: 'aléatoire', 'source-ip': 'selon l’adresse IP source', other: 'autre' })[p],

  notRun: 'Cette question n’a pas été jouée dans ce scénario (aucune étape correspondante).',
  noClaims: 'Aucune affirmation chiffrée à vérifier dans ce scénario.',
  hSummary: 'Réponses en bref',
  sumQ1: (cases: number, conns: number, mixed: number) =>
    mixed === 0
      ? `Q1 — Dans les ${cases} essais avec links, chacune des ${conns} connexions n’a vu qu’un seul serveur : rechargements sur la même connexion = même serveur ; seule une nouvelle connexion peut changer de serveur.`
      : `Q1 — ${mixed} des ${conns} connexions ont vu plusieurs serveurs : voir la section 2.`,
  sumQ2: (exactOk: number, exact: number, randomInside: number, random: number) =>
    `Q2 — Politiques déterministes (round robin, IP source) : ${exactOk} lancement(s) sur ${exact} exactement conformes à la prévision. Politique aléatoire : ${randomInside} part(s) de serveur sur ${random} dans leur intervalle de Wilson à 95 %.`,
  sumQ3: (switches: number, agree: number, per: string) =>
    `Q3 — La colonne pkts compte des connexions, pas des paquets : pour ${agree} switch(es) sur ${switches}, la somme des pkts DNAT égale le nombre de nouvelles connexions vers la VIP dans les captures ; ${per}.`,
  sumBytes: (lengths: string) => `chaque paquet compté mesure ${lengths} octets (le SYN)`,
  hTopology: '1. Topologie',
  topologyIntro: (clients: number, switches: number, servers: number, domains: string[]) =>
    `${clients} clients, ${switches} web switches et ${servers} serveurs sur ${domains.length} domaines de collision (${list(domains, 'et')}). Les clients ne voient que les adresses virtuelles (VIP) des web switches ; les serveurs sont derrière.`,
  topologyCaption: 'Topologie : domaines de collision, hôtes, interfaces, adresses et VIP',
  thHost: 'hôte',
  thRole: 'rôle',
  thIface: 'interface',
  thDomain: 'domaine',
  thAddress: 'adresse',
  thVip: 'VIP',
  thSwitch: 'web switch',
  thPolicy: 'politique',
  thRules: 'règles DNAT (nat PREROUTING)',
  ruleNth: (every: number, packet: number) => (packet === 0 ? `nth every ${every}` : `nth every ${every} packet ${packet}`),
  ruleRandom: (p: string) => `random probability ${p}`,
  ruleSource: (s: string) => `source ${s}`,
  ruleAlways: 'sans condition',
  masqueradeWhy: (subnetClients: string, masqAddrs: string[], switches: number) =>
    `Les serveurs n’ont pas de route vers ${subnetClients} : la règle MASQUERADE de chaque web switch remplace l’adresse source du client par l’adresse interne du switch (${list(masqAddrs, 'et')}), si bien que chaque serveur répond au switch par lequel la requête est passée. C’est ce qui permet aux ${switches} web switches de partager la même ferme de serveurs.`,

  hQ1: '2. Question 1 — links, rechargements et connexions',
  q1Intro: [
    'links parle HTTP/1.1, persistant par défaut : un rechargement (ctrl+R) envoie la requête suivante sur la même connexion TCP, tant que le serveur la garde ouverte (KeepAliveTimeout d’Apache, 5 s).',
    'Le web switch suit chaque connexion dans conntrack. La table nat n’est consultée que pour le premier paquet d’une connexion (le SYN) ; la décision DNAT est enregistrée dans l’entrée conntrack et tous les paquets suivants, dans les deux sens, sont traduits de la même façon sans repasser par les règles.',
    'Donc toutes les requêtes d’une même connexion vont au même serveur. Pour observer l’équilibrage il faut fermer la connexion et en ouvrir une nouvelle (ctrl+S puis ctrl+R, ou quitter et relancer links).',
  ],
  q1CaseHeading: (vip: string, policy: string, client: string) => `VIP ${vip} (${policy}) depuis ${client}`,
  thStep: 'n°',
  thAction: 'action',
  thServer: 'serveur',
  thConnection: 'connexion (client → VIP)',
  thNewConn: 'nouvelle connexion',
  thCapture: 'capture',
  thFilter: 'filtre Wireshark',
  action: (a: Q1Action) => ({ load: 'chargement (links URL)', reload: 'rechargement (ctrl+R)', close: 'fermeture de la connexion (ctrl+S)' })[a],
  q1Summary: (requests: number, connections: number, servers: string[]) =>
    `${requests} requête(s) sur ${connections} connexion(s) TCP ; serveurs vus, dans l’ordre : ${servers.join(', ')}.`,
  q1SameServer: (connections: number) =>
    `Sur chacune des ${connections} connexion(s), toutes les requêtes ont reçu la page du même serveur : la décision prise au premier paquet vaut pour toute la connexion.`,
  q1MixedServer: (streams: string[]) =>
    `Attention : les connexions ${list(streams, 'et')} ont reçu des pages de serveurs différents, ce qui contredit le suivi des connexions.`,
  q1ReloadSame: (n: number) => `${n} rechargement(s) sont partis sur la connexion déjà ouverte.`,
  q1ReloadNew: (n: number) =>
    `${n} rechargement(s) ont ouvert une nouvelle connexion : le serveur avait fermé la précédente (délai keep-alive dépassé).`,
  q1RoundRobin: (servers: string[]) =>
    `Serveurs des nouvelles connexions, dans l’ordre : ${servers.join(', ')} ; chaque nouvelle connexion passe au serveur suivant. Les compteurs nth sont ceux du switch, partagés par tous les clients : la séquence reprend où les connexions précédentes l’ont laissée.`,
  q1Random: (servers: string[]) =>
    `Serveurs des nouvelles connexions, dans l’ordre : ${servers.join(', ')} ; le serveur est tiré au hasard pour chaque nouvelle connexion.`,
  q1Source: (client: string, addr: string, server: string, rule: number) =>
    `Toutes les connexions de ${client} (${addr}) ont été servies par le ${server} : la règle ${rule} choisit selon l’adresse source.`,
  q1SourceNone: (client: string, addr: string) =>
    `Aucune règle DNAT ne correspond à ${client} (${addr}) : ses connexions ne sont pas redirigées et aucune page ne revient.`,

  hQ2: '3. Question 2 — le script count_server_replies.sh',
  q2Intro: (n: string) =>
    `Le script lance wget ${n} fois : chaque wget est un nouveau processus, donc une nouvelle connexion TCP, donc un nouveau passage de son premier paquet dans la table nat. Il reconnaît chaque page par sa somme md5 et compte les réponses par serveur (sort | uniq -c).`,
  q2VipHeading: (vip: string, policy: string) => `VIP ${vip} (${policy})`,
  q2Caption: (vip: string) => `Réponses par serveur pour ${vip}, comparées à l’attendu de la politique`,
  q2RunHeading: (client: string, command: string) => `${client} : ${command}`,
  thReplies: 'réponses',
  thExpected: 'attendu',
  thShare: 'part',
  thProbability: 'probabilité',
  thWilson: 'intervalle de Wilson à 95 %',
  thInside: 'probabilité dans l’intervalle',
  q2ExactRoundRobin: (before: number, vip: string, n: number, expected: string, observed: string, same: boolean) =>
    `Avant ce lancement, la chaîne avait déjà vu ${before} connexion(s) vers ${vip} ; les compteurs nth prévoient donc exactement ${expected} pour ces ${n} connexions. Obtenu : ${observed} — ${same ? 'identique' : 'différent'}.`,
  q2ExactSource: (client: string, addr: string, n: number, expected: string, observed: string, same: boolean) =>
    `${client} (${addr}) correspond toujours à la même règle : les ${n} requêtes doivent donner ${expected}. Obtenu : ${observed} — ${same ? 'identique' : 'différent'}.`,
  q2Random: (probs: string, n: number, rules: string) =>
    `Les règles random (${rules} ; chacune ne tire que pour les connexions que les précédentes ont laissées) donnent les probabilités ${probs} ; pour ${n} requêtes, l’intervalle de score de Wilson à 95 % de la part observée de chaque serveur doit contenir sa probabilité.`,
  q2RandomVerdict: (allInside: boolean, outside: string[]) =>
    allInside
      ? 'Pour chaque serveur la probabilité est dans l’intervalle : ce tirage est compatible avec la politique.'
      : `La probabilité sort de l’intervalle pour ${list(outside, 'et')} : cela arrive dans environ 5 % des lancements par serveur, sans être anormal en soi.`,
  q2NoneText: 'Ces règles mélangent des correspondances que ce rapport ne sait pas prédire en forme fermée.',
  q2Unmatched: (n: number) => `${n} réponse(s) n’ont correspondu à aucune page de référence (le script ne les affiche pas).`,
  q2NoServer: (n: string) => `Aucun serveur attendu pour ${n} requête(s) : aucune règle ne les redirige.`,

  hQ3: '4. Question 3 — les compteurs de la table nat',
  q3Intro:
    'Chaque web switch affiche `iptables -t nat -vnL`. La colonne pkts d’une règle compte les paquets pour lesquels toutes ses conditions étaient vraies ; bytes en additionne les longueurs IP totales. Voici les listings de fin d’exécution, expliqués par les nombres des captures.',
  q3Connections: (vip: string, parts: string, total: number, connections: number, packets: number) =>
    `PREROUTING, règles DNAT vers ${vip} : ${parts} = ${total} paquets comptés. Les captures montrent ${connections} nouvelle(s) connexion(s) vers ${vip}, qui ont transporté ${packets} paquets vers la VIP au total : la table nat compte des connexions (leur premier paquet), pas des paquets.`,
  q3Bytes60: (bytes: number, pkts: number, per: number) =>
    `bytes = ${bytes} = ${pkts} × ${per} : chaque paquet compté est le SYN d’une connexion, dont la longueur IP totale est ${per} octets (20 d’en-tête IP + 20 d’en-tête TCP + 20 d’options : MSS, SACK permis, horodatage, facteur d’échelle de fenêtre).`,
  q3BytesUniform: (bytes: number, pkts: number, per: number) =>
    `bytes = ${bytes} = ${pkts} × ${per} : chaque paquet compté est le premier paquet d’une connexion, de longueur IP totale ${per} octets.`,
  q3BytesOther: (bytes: number, pkts: number, lengths: string) =>
    `bytes = ${bytes} pour ${pkts} paquets ; longueurs IP totales des premiers paquets dans les captures : ${lengths}.`,
  q3FirstRule: (num: number, reached: number, matched: number, what: string) =>
    `Règle ${num} (${what}) : elle voit les ${reached} connexions et en prend ${matched}.`,
  q3LaterRule: (num: number, reached: number, matched: number, what: string, share: string) =>
    `Règle ${num} (${what}) : elle ne voit que les ${reached} connexions que les règles précédentes n’ont pas prises, et ne compte que les siennes : ${matched} (${share}).`,
  q3InsideSeen: (n: number, file: string, server: string) => `Dans ${file}, ${n} de ces connexions partent vers le ${server}.`,
  q3PolicyPre: (policyPkts: number, policyBytes: number, routed: number, vipLeft: number) =>
    `Ligne de politique de PREROUTING (policy ACCEPT ${policyPkts} packets, ${policyBytes} bytes) : premiers paquets arrivés au bout de la chaîne sans qu’aucune règle ne corresponde. Les captures en montrent ${routed + vipLeft} : ${routed} connexion(s) simplement routée(s) par le switch${routed > 0 ? ' (par exemple les wget de référence du script, adressés directement aux serveurs)' : ''} et ${vipLeft} vers la VIP qu’aucune règle n’a prise.`,
  q3PolicyNft: (observed: number) =>
    `Le compteur vaut 0 alors que ${observed} premier(s) paquet(s) sont tombés au bout de la chaîne : le back end nf_tables d’iptables ne compte pas la politique (iptables-legacy, celui de Netkit, la compte).`,
  q3PolicyPost: (pkts: number, bytes: number) =>
    `Ligne de politique de POSTROUTING (policy ACCEPT ${pkts} packets, ${bytes} bytes) : de même, les premiers paquets de connexions sortantes qu’aucune règle de POSTROUTING n’a pris (ni la source ni la destination de MASQUERADE), par exemple une connexion ouverte par le switch lui-même.`,
  q3PolicyMatches: 'Ce nombre correspond aux captures.',
  q3PolicyMismatch: (listed: number, observed: number) => `Le listing dit ${listed}, les captures ${observed} : écart à examiner.`,
  q3Masquerade: (pkts: number, bytes: number, src: string, dst: string, dnat: number, routed: number, observed: number, iface: string, addr: string) =>
    `POSTROUTING, MASQUERADE : ${pkts} paquets, ${bytes} octets — un par connexion transmise de ${src} vers ${dst} : ${dnat} redirigée(s) par DNAT et ${routed} routée(s). Les captures montrent ${observed} connexion(s) sortant par ${iface} avec la source ${addr}.`,
  q3NoChain: 'Listing absent.',

  hLadder: '5. Une connexion de bout en bout',
  ladderIntro: (client: string, vip: string, sw: string, server: string, outFile: string, outStream: number, inFile: string, inStream: number) =>
    `Connexion de ${client} vers ${vip} à travers ${sw} (servie par : ${server}) : côté externe tcp.stream ${outStream} dans ${outFile}, côté interne tcp.stream ${inStream} dans ${inFile}.`,
  ladderCaption: (sw: string) => `Diagramme en échelle d’une connexion à travers ${sw} : client ↔ VIP à l’extérieur, switch ↔ serveur à l’intérieur`,
  clientLane: 'client',
  outsideLane: (sw: string, iface: string) => `${sw} ${iface}`,
  insideLane: (iface: string) => iface,
  serverLane: (name: string) => name,
  natBadge: (r: NatRewrite) => ({ dnat: 'DNAT', masquerade: 'MASQUERADE', undnat: 'DNAT inverse', unmasquerade: 'MASQ. inverse' })[r.kind],
  natLong: (r: NatRewrite) =>
    `${({ dnat: 'DNAT (destination)', masquerade: 'MASQUERADE (source)', undnat: 'DNAT inversé (source)', unmasquerade: 'MASQUERADE inversé (destination)' })[r.kind]} ${r.from} → ${r.to}${r.byRule ? ', décidé par la règle' : ', par conntrack'}`,
  natShort: (r: NatRewrite) => `${({ dnat: 'DNAT', masquerade: 'MASQUERADE', undnat: 'DNAT inverse', unmasquerade: 'MASQUERADE inverse' })[r.kind]} ${r.from} → ${r.to} (${r.byRule ? 'règle' : 'conntrack'})`,
  ruleLegend: 'décidé par une règle nat (premier paquet)',
  conntrackLegend: 'appliqué par conntrack (paquets suivants)',
  morePackets: (n: number) => `… et ${n} paquet(s) de plus (voir le tableau)`,
  thTime: 't (ms)',
  thSide: 'côté',
  thPacket: 'source → destination',
  thFlags: 'drapeaux',
  thLen: 'données',
  thNat: 'NAT',
  thFrame: 'trame',
  side: (s: 'outside' | 'inside'): string => (s === 'outside' ? 'externe' : 'interne'),
  ladderExplain: (first: string, later: number) =>
    `Au premier paquet, la table nat a décidé : ${first}. Les ${later} paquets suivants de la connexion ont été traduits par conntrack, dans les deux sens, sans repasser par les règles.`,
  ladderNoNat: 'Aucune réécriture d’adresse n’a été observée sur cette connexion.',
  noLadder: 'Aucune connexion traversant un web switch n’a été capturée des deux côtés.',

  hSee: '6. Vérifiez vous-même',
  seeIntro:
    'Ouvrez le fichier dans Wireshark et tapez le filtre dans la barre de filtre d’affichage ; la barre d’état donne le nombre de paquets affichés.',
  thClaim: 'affirmation',
  thFile: 'fichier',
  seeQ1: (client: string, vip: string, stream: number, server: string) => `Q1 : ${client} → ${vip}, connexion ${stream}, page du ${server}`,
  seeQ2: (client: string, vip: string, n: number) => `Q2 : ${client} → ${vip}, ${n} connexions (un SYN chacune)`,
  seeQ3Conn: (vip: string, n: number) => `Q3 : ${n} nouvelles connexions vers ${vip} (= somme des pkts DNAT)`,
  seeQ3Packets: (vip: string, n: number) => `Q3 : ${n} paquets vers ${vip} au total`,
  seeQ3Len: (len: number, n: number) => `Q3 : ${n} premier(s) paquet(s) de ${len} octets IP`,
  seeQ3Server: (from: string, server: string, n: number) => `Q3 : ${n} connexion(s) de ${from} vers le ${server} (redirigées et routées)`,
  seeQ3Masq: (addr: string, n: number) => `Q3 : ${n} connexion(s) masquée(s) derrière ${addr}`,
  seeLadder: (side: string) => `Échelle : la connexion, côté ${side}`,
  seeMerged: 'Les décisions NAT commentées paquet par paquet',
};

export type Messages = typeof fr;

const en: Messages = {
  and: 'and',
  sep: '; ',
  intervalSep: ', ',
  yes: 'yes',
  no: 'no',
  none: '—',
  title: 'Lab report — Load balancing (server farm)',
  meta: (scenario, seed, startUtc, durationS) =>
    `Scenario ${scenario}, seed ${seed}, simulation start ${startUtc}, simulated duration ${durationS} s.`,
  intro:
    'lbsim wrote this report from the run itself: every number comes from this run’s console outputs, iptables counters or captures. The last section tells, for each claim, which file to open in Wireshark and which filter to type.',
  figureNote: (caption) => `Figure “${caption}”: see report.html.`,
  serverName: (n) => `server ${n}`,
  serverShort: (n) => `srv ${n}`,
  role: (r) => ({ client: 'client', switch: 'web switch', server: 'web server', other: 'host' })[r],
  policy: (p) => ({ 'round-robin': 'round robin', random: 'random', 'source-ip': 'by source IP address', other: 'other' })[p],

  notRun: 'This question was not played in this scenario (no matching step).',
  noClaims: 'No numbered claim to check in this scenario.',
  hSummary: 'Answers in brief',
  sumQ1: (cases, conns, mixed) =>
    mixed === 0
      ? `Q1 — In the ${cases} links trials, each of the ${conns} connections saw a single server: reloads on one connection = one server; only a new connection can change server.`
      : `Q1 — ${mixed} of the ${conns} connections saw several servers: see section 2.`,
  sumQ2: (exactOk, exact, randomInside, random) =>
    `Q2 — Deterministic policies (round robin, source IP): ${exactOk} of ${exact} run(s) exactly as predicted. Random policy: ${randomInside} of ${random} server share(s) inside their 95% Wilson interval.`,
  sumQ3: (switches, agree, per) =>
    `Q3 — The pkts column counts connections, not packets: for ${agree} of ${switches} switch(es) the DNAT pkts add up to the new connections to the VIP in the captures; ${per}.`,
  sumBytes: (lengths) => `each counted packet is ${lengths} bytes long (the SYN)`,
  hTopology: '1. Topology',
  topologyIntro: (clients, switches, servers, domains) =>
    `${clients} clients, ${switches} web switches and ${servers} servers on ${domains.length} collision domains (${list(domains, 'and')}). Clients see only the web switches’ virtual addresses (VIPs); the servers are behind them.`,
  topologyCaption: 'Topology: collision domains, hosts, interfaces, addresses and VIPs',
  thHost: 'host',
  thRole: 'role',
  thIface: 'interface',
  thDomain: 'domain',
  thAddress: 'address',
  thVip: 'VIP',
  thSwitch: 'web switch',
  thPolicy: 'policy',
  thRules: 'DNAT rules (nat PREROUTING)',
  ruleNth: (every, packet) => (packet === 0 ? `nth every ${every}` : `nth every ${every} packet ${packet}`),
  ruleRandom: (p) => `random probability ${p}`,
  ruleSource: (s) => `source ${s}`,
  ruleAlways: 'unconditional',
  masqueradeWhy: (subnetClients, masqAddrs, switches) =>
    `The servers have no route to ${subnetClients}: each web switch’s MASQUERADE rule replaces the client’s source address with the switch’s inside address (${list(masqAddrs, 'and')}), so each server answers the switch the request came through. This is what lets the ${switches} web switches share one server farm.`,

  hQ1: '2. Question 1 — links, reloads and connections',
  q1Intro: [
    'links speaks HTTP/1.1, persistent by default: a reload (ctrl+R) sends the next request on the same TCP connection, as long as the server keeps it open (Apache’s KeepAliveTimeout, 5 s).',
    'The web switch tracks each connection in conntrack. The nat table is consulted only for a connection’s first packet (the SYN); the DNAT decision is stored in the conntrack entry and every later packet, both ways, is translated the same way without going through the rules again.',
    'So every request on one connection goes to one server. To see the balancing, close the connection and open a new one (ctrl+S then ctrl+R, or quit and restart links).',
  ],
  q1CaseHeading: (vip, policy, client) => `VIP ${vip} (${policy}) from ${client}`,
  thStep: '#',
  thAction: 'action',
  thServer: 'server',
  thConnection: 'connection (client → VIP)',
  thNewConn: 'new connection',
  thCapture: 'capture',
  thFilter: 'Wireshark filter',
  action: (a) => ({ load: 'load (links URL)', reload: 'reload (ctrl+R)', close: 'close the connection (ctrl+S)' })[a],
  q1Summary: (requests, connections, servers) =>
    `${requests} request(s) on ${connections} TCP connection(s); servers seen, in order: ${servers.join(', ')}.`,
  q1SameServer: (connections) =>
    `On each of the ${connections} connection(s), every request got the same server’s page: the decision taken on the first packet holds for the whole connection.`,
  q1MixedServer: (streams) =>
    `Warning: connections ${list(streams, 'and')} got pages from different servers, which contradicts connection tracking.`,
  q1ReloadSame: (n) => `${n} reload(s) went on the connection already open.`,
  q1ReloadNew: (n) => `${n} reload(s) opened a new connection: the server had closed the previous one (keep-alive timeout exceeded).`,
  q1RoundRobin: (servers) =>
    `Servers of the new connections, in order: ${servers.join(', ')}; each new connection moves to the next server. The nth counters belong to the switch and are shared by all clients: the sequence continues where earlier connections left it.`,
  q1Random: (servers) => `Servers of the new connections, in order: ${servers.join(', ')}; the server is drawn at random for each new connection.`,
  q1Source: (client, addr, server, rule) =>
    `Every connection from ${client} (${addr}) went to ${server}: rule ${rule} chooses by source address.`,
  q1SourceNone: (client, addr) => `No DNAT rule matches ${client} (${addr}): its connections are not redirected and no page comes back.`,

  hQ2: '3. Question 2 — the count_server_replies.sh script',
  q2Intro: (n) =>
    `The script runs wget ${n} times: each wget is a new process, so a new TCP connection, so its first packet goes through the nat table again. It recognises each page by its md5 sum and counts the replies per server (sort | uniq -c).`,
  q2VipHeading: (vip, policy) => `VIP ${vip} (${policy})`,
  q2Caption: (vip) => `Replies per server for ${vip}, against the policy’s expectation`,
  q2RunHeading: (client, command) => `${client}: ${command}`,
  thReplies: 'replies',
  thExpected: 'expected',
  thShare: 'share',
  thProbability: 'probability',
  thWilson: '95% Wilson interval',
  thInside: 'probability inside',
  q2ExactRoundRobin: (before, vip, n, expected, observed, same) =>
    `Before this run the chain had already seen ${before} connection(s) to ${vip}; the nth counters therefore predict exactly ${expected} for these ${n} connections. Observed: ${observed} — ${same ? 'identical' : 'different'}.`,
  q2ExactSource: (client, addr, n, expected, observed, same) =>
    `${client} (${addr}) always matches the same rule: the ${n} requests must give ${expected}. Observed: ${observed} — ${same ? 'identical' : 'different'}.`,
  q2Random: (probs, n, rules) =>
    `The random rules (${rules}; each draws only for the connections the earlier ones left) give the probabilities ${probs}; for ${n} requests, the 95% Wilson score interval of each server’s observed share should contain its probability.`,
  q2RandomVerdict: (allInside, outside) =>
    allInside
      ? 'For every server the probability lies inside the interval: this draw is compatible with the policy.'
      : `The probability falls outside the interval for ${list(outside, 'and')}: this happens in about 5% of runs per server and is not abnormal by itself.`,
  q2NoneText: 'These rules mix matches this report cannot predict in closed form.',
  q2Unmatched: (n) => `${n} reply(ies) matched no reference page (the script does not print them).`,
  q2NoServer: (n) => `No server expected for ${n} request(s): no rule redirects them.`,

  hQ3: '4. Question 3 — the nat table’s counters',
  q3Intro:
    'Each web switch shows `iptables -t nat -vnL`. A rule’s pkts column counts the packets for which all its conditions held; bytes adds up their IP total lengths. Here are the listings at the end of the run, explained with the captures’ numbers.',
  q3Connections: (vip, parts, total, connections, packets) =>
    `PREROUTING, DNAT rules for ${vip}: ${parts} = ${total} packets counted. The captures show ${connections} new connection(s) to ${vip}, which carried ${packets} packets to the VIP in all: the nat table counts connections (their first packet), not packets.`,
  q3Bytes60: (bytes, pkts, per) =>
    `bytes = ${bytes} = ${pkts} × ${per}: each counted packet is a connection’s SYN, whose IP total length is ${per} bytes (20 of IP header + 20 of TCP header + 20 of options: MSS, SACK permitted, timestamps, window scale).`,
  q3BytesUniform: (bytes, pkts, per) =>
    `bytes = ${bytes} = ${pkts} × ${per}: each counted packet is a connection’s first packet, ${per} bytes of IP total length.`,
  q3BytesOther: (bytes, pkts, lengths) => `bytes = ${bytes} for ${pkts} packets; IP total lengths of the first packets in the captures: ${lengths}.`,
  q3FirstRule: (num, reached, matched, what) => `Rule ${num} (${what}): it sees all ${reached} connections and takes ${matched}.`,
  q3LaterRule: (num, reached, matched, what, share) =>
    `Rule ${num} (${what}): it sees only the ${reached} connections the rules before it did not take, and counts only its own matches: ${matched} (${share}).`,
  q3InsideSeen: (n, file, server) => `In ${file}, ${n} of these connections leave for ${server}.`,
  q3PolicyPre: (policyPkts, policyBytes, routed, vipLeft) =>
    `PREROUTING’s policy line (policy ACCEPT ${policyPkts} packets, ${policyBytes} bytes): first packets that reached the end of the chain with no rule matching. The captures show ${routed + vipLeft}: ${routed} connection(s) merely routed by the switch${routed > 0 ? ' (e.g. the script’s reference wgets, addressed to the servers directly)' : ''} and ${vipLeft} to the VIP that no rule took.`,
  q3PolicyNft: (observed) =>
    `The counter is 0 although ${observed} first packet(s) fell off the end of the chain: iptables’ nf_tables back end does not count the policy (iptables-legacy, Netkit’s, does).`,
  q3PolicyPost: (pkts, bytes) =>
    `POSTROUTING’s policy line (policy ACCEPT ${pkts} packets, ${bytes} bytes): likewise, first packets of outgoing connections that no POSTROUTING rule took (neither MASQUERADE’s source nor its destination), e.g. a connection the switch opened itself.`,
  q3PolicyMatches: 'This number agrees with the captures.',
  q3PolicyMismatch: (listed, observed) => `The listing says ${listed}, the captures ${observed}: a discrepancy to look into.`,
  q3Masquerade: (pkts, bytes, src, dst, dnat, routed, observed, iface, addr) =>
    `POSTROUTING, MASQUERADE: ${pkts} packets, ${bytes} bytes — one per connection forwarded from ${src} to ${dst}: ${dnat} redirected by DNAT and ${routed} routed. The captures show ${observed} connection(s) leaving ${iface} with source ${addr}.`,
  q3NoChain: 'No listing.',

  hLadder: '5. One connection end to end',
  ladderIntro: (client, vip, sw, server, outFile, outStream, inFile, inStream) =>
    `Connection from ${client} to ${vip} through ${sw} (served by ${server}): outside tcp.stream ${outStream} in ${outFile}, inside tcp.stream ${inStream} in ${inFile}.`,
  ladderCaption: (sw) => `Ladder diagram of one connection through ${sw}: client ↔ VIP outside, switch ↔ server inside`,
  clientLane: 'client',
  outsideLane: (sw, iface) => `${sw} ${iface}`,
  insideLane: (iface) => iface,
  serverLane: (name) => name,
  natBadge: (r) => ({ dnat: 'DNAT', masquerade: 'MASQUERADE', undnat: 'reverse DNAT', unmasquerade: 'reverse MASQ.' })[r.kind],
  natLong: (r) =>
    `${({ dnat: 'DNAT (destination)', masquerade: 'MASQUERADE (source)', undnat: 'reverse DNAT (source)', unmasquerade: 'reverse MASQUERADE (destination)' })[r.kind]} ${r.from} → ${r.to}${r.byRule ? ', decided by the rule' : ', by conntrack'}`,
  natShort: (r) => `${({ dnat: 'DNAT', masquerade: 'MASQUERADE', undnat: 'reverse DNAT', unmasquerade: 'reverse MASQUERADE' })[r.kind]} ${r.from} → ${r.to} (${r.byRule ? 'rule' : 'conntrack'})`,
  ruleLegend: 'decided by a nat rule (first packet)',
  conntrackLegend: 'applied by conntrack (later packets)',
  morePackets: (n) => `… and ${n} more packet(s) (see the table)`,
  thTime: 't (ms)',
  thSide: 'side',
  thPacket: 'source → destination',
  thFlags: 'flags',
  thLen: 'data',
  thNat: 'NAT',
  thFrame: 'frame',
  side: (s) => (s === 'outside' ? 'outside' : 'inside'),
  ladderExplain: (first, later) =>
    `On the first packet the nat table decided: ${first}. The connection’s ${later} later packets were translated by conntrack, both ways, without going through the rules again.`,
  ladderNoNat: 'No address rewrite was seen on this connection.',
  noLadder: 'No connection through a web switch was captured on both sides.',

  hSee: '6. See it yourself',
  seeIntro: 'Open the file in Wireshark and type the filter in the display filter bar; the status bar gives the number of packets displayed.',
  thClaim: 'claim',
  thFile: 'file',
  seeQ1: (client, vip, stream, server) => `Q1: ${client} → ${vip}, connection ${stream}, page from ${server}`,
  seeQ2: (client, vip, n) => `Q2: ${client} → ${vip}, ${n} connections (one SYN each)`,
  seeQ3Conn: (vip, n) => `Q3: ${n} new connections to ${vip} (= sum of the DNAT pkts)`,
  seeQ3Packets: (vip, n) => `Q3: ${n} packets to ${vip} in all`,
  seeQ3Len: (len, n) => `Q3: ${n} first packet(s) of ${len} IP bytes`,
  seeQ3Server: (from, server, n) => `Q3: ${n} connection(s) from ${from} to ${server} (redirected and routed)`,
  seeQ3Masq: (addr, n) => `Q3: ${n} connection(s) masqueraded behind ${addr}`,
  seeLadder: (side) => `Ladder: the connection, ${side}`,
  seeMerged: 'The NAT decisions, commented packet by packet',
};

export const MESSAGES: Record<Lang, Messages> = { fr, en };
