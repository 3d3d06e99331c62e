/**
 * Service names for the ports developers meet most: IANA registrations
 * (service-names-port-numbers.xhtml) for the common daemons, plus the de-facto
 * defaults of popular dev tools, which IANA does not list.
 */
const ENTRIES: ReadonlyArray<readonly [number, string]> = [
  [20, 'ftp-data'], [21, 'ftp'], [22, 'ssh'], [23, 'telnet'], [25, 'smtp'], [53, 'dns'], [67, 'dhcp'], [68, 'dhcp-client'],
  [69, 'tftp'], [80, 'http'], [88, 'kerberos'], [110, 'pop3'], [111, 'rpcbind'], [123, 'ntp'], [135, 'msrpc'],
  [137, 'netbios-ns'], [138, 'netbios-dgm'], [139, 'netbios-ssn'], [143, 'imap'], [161, 'snmp'], [162, 'snmp-trap'],
  [179, 'bgp'], [389, 'ldap'], [443, 'https'], [445, 'smb'], [465, 'smtps'], [500, 'isakmp'], [514, 'syslog'],
  [515, 'printer'], [546, 'dhcpv6-client'], [547, 'dhcpv6-server'], [548, 'afp'], [554, 'rtsp'], [587, 'submission'],
  [631, 'ipp'], [636, 'ldaps'], [853, 'dns-over-tls'], [873, 'rsync'], [993, 'imaps'], [995, 'pop3s'],
  [1080, 'socks'], [1194, 'openvpn'], [1433, 'mssql'], [1521, 'oracle'], [1701, 'l2tp'], [1723, 'pptp'],
  [1883, 'mqtt'], [1900, 'ssdp'], [2049, 'nfs'], [2181, 'zookeeper'], [2375, 'docker'], [2376, 'docker-tls'],
  [2379, 'etcd'], [2380, 'etcd-peer'], [3000, 'dev server (node, rails, grafana)'], [3001, 'dev server'],
  [3306, 'mysql'], [3389, 'rdp'], [3478, 'stun'], [4000, 'dev server'], [4200, 'angular dev server'],
  [4222, 'nats'], [4317, 'otlp-grpc'], [4318, 'otlp-http'], [4321, 'astro dev server'], [4369, 'epmd'],
  [4443, 'https-alt'], [4500, 'ipsec-nat-t'], [5000, 'dev server (flask)'], [5005, 'jdwp (java debug)'],
  [5037, 'adb'], [5060, 'sip'], [5061, 'sips'], [5173, 'vite dev server'], [5174, 'vite dev server'],
  [5222, 'xmpp'], [5353, 'mdns'], [5355, 'llmnr'], [5432, 'postgresql'], [5433, 'postgresql'], [5555, 'adb-wifi'],
  [5601, 'kibana'], [5672, 'amqp'], [5900, 'vnc'], [5984, 'couchdb'], [6000, 'x11'], [6060, 'pprof'],
  [6379, 'redis'], [6443, 'kubernetes-api'], [6006, 'storybook'], [6831, 'jaeger-agent'], [7000, 'cassandra'],
  [7474, 'neo4j'], [7687, 'neo4j-bolt'], [8000, 'http-alt (django)'], [8008, 'http-alt'], [8025, 'mailhog'],
  [8080, 'http-alt'], [8081, 'http-alt'], [8086, 'influxdb'], [8088, 'http-alt'], [8123, 'home-assistant'],
  [8200, 'vault'], [8443, 'https-alt'], [8500, 'consul'], [8787, 'wrangler dev'], [8888, 'jupyter'],
  [9000, 'php-fpm / minio'], [9001, 'minio-console'], [9042, 'cassandra-cql'], [9090, 'prometheus'],
  [9092, 'kafka'], [9100, 'node-exporter'], [9200, 'elasticsearch'], [9222, 'chrome devtools'], [9229, 'node inspector'],
  [9300, 'elasticsearch-transport'], [9418, 'git'], [9443, 'https-alt'], [10000, 'webmin'], [11211, 'memcached'],
  [15672, 'rabbitmq-management'], [19000, 'expo'], [24678, 'vite hmr'], [25565, 'minecraft'], [27017, 'mongodb'],
  [27018, 'mongodb'], [50051, 'grpc'],
];

/** Port → service name. */
export const SERVICE_NAMES: ReadonlyMap<number, string> = new Map(ENTRIES);
