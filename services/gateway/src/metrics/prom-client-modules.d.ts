/**
 * @module Types for the prom-client modules the gateway imports one by one. The package types only its index, and
 * the index also loads the Pushgateway (node:http, node:https, node:zlib), Summary and the default metrics.
 */
declare module 'prom-client/lib/registry' {
  import { Registry } from 'prom-client'
  export default Registry
}

declare module 'prom-client/lib/counter' {
  import { Counter } from 'prom-client'
  export default Counter
}

declare module 'prom-client/lib/gauge' {
  import { Gauge } from 'prom-client'
  export default Gauge
}

declare module 'prom-client/lib/histogram' {
  import { Histogram } from 'prom-client'
  export default Histogram
}

declare module 'prom-client/lib/cluster' {
  import { AggregatorRegistry } from 'prom-client'
  export default AggregatorRegistry
}
