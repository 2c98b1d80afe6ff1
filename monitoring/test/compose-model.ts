/** @module Reads what docker-compose.yml means without Docker: which services run under a profile, which host names they answer to, which ports they listen on. */

export interface ComposeService {
  image?: string
  build?: { context: string; target?: string }
  command?: string[]
  profiles?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  depends_on?: string[] | Record<string, unknown>
  networks?: { default?: { aliases?: string[] } }
}

export interface ComposeFile {
  name?: string
  services: Record<string, ComposeService>
  volumes?: Record<string, unknown>
}

/** Ports third-party images listen on inside the network (their documented defaults, which our configs keep). */
export const IMAGE_PORTS: Record<string, number[]> = {
  'prom/prometheus': [9090],
  'prom/alertmanager': [9093],
  'grafana/grafana': [3000],
  'grafana/loki': [3100],
  'grafana/promtail': [9080],
  'jaegertracing/all-in-one': [16686, 4317, 4318, 14269],
  nginx: [80, 443],
  redis: [6379],
}

/** Services that start with `docker compose --profile <profile> up`: those without profiles, plus the profile's. */
export function activeServices(compose: ComposeFile, profile: string): string[] {
  return Object.entries(compose.services)
    .filter(([, service]) => !service.profiles || service.profiles.includes(profile))
    .map(([name]) => name)
}

/** Names a service answers to on the compose network: its own and its aliases. */
export function hostNames(compose: ComposeFile, name: string): string[] {
  return [name, ...(compose.services[name]?.networks?.default?.aliases ?? [])]
}

/** The services answering to `host` under `profile`; exactly one means the name resolves unambiguously. */
export function resolveHost(compose: ComposeFile, profile: string, host: string): string[] {
  return activeServices(compose, profile).filter((name) => hostNames(compose, name).includes(host))
}

/**
 * Whether the service listens on `port`: a third-party image on its documented port, or one of our services
 * configured with that port in its environment (PORT, VLLM_PORT, LAUNCHER_METRICS_PORT, ...).
 */
export function listensOn(service: ComposeService, port: number): boolean {
  const image = (service.image ?? '').replace(/:[^/]*$/, '')
  if (IMAGE_PORTS[image]?.includes(port)) return true
  return Object.entries(service.environment ?? {}).some(
    ([key, value]) => /PORT$/.test(key) && value === String(port),
  )
}

/** Host-side sources of bind mounts that point into the repository (`./...`). */
export function repoMounts(service: ComposeService): string[] {
  return (service.volumes ?? [])
    .map((volume) => volume.split(':')[0] ?? '')
    .filter((source) => source.startsWith('./'))
}
