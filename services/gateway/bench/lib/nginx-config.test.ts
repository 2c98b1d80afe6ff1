import { describe, expect, test } from 'bun:test'
import { renderTemplate } from './nginx-config.ts'

const template = await Bun.file(new URL('../nginx.conf.template', import.meta.url)).text()

describe('renderTemplate', () => {
  test('fills the nginx template: listen port, upstream keepalive and unbuffered SSE', () => {
    const text = renderTemplate(template, { DIR: '/tmp/x', PORT: 9001, UPSTREAM_PORT: 9002 })
    expect(text).toContain('listen 127.0.0.1:9001;')
    expect(text).toContain('server 127.0.0.1:9002;')
    expect(text).toContain('pid /tmp/x/nginx.pid;')
    expect(text).toMatch(/keepalive \d+;/)
    expect(text).toContain('proxy_buffering off;')
    expect(text).not.toContain('{{')
  })

  test('names every value the template needs but was not given', () => {
    expect(() => renderTemplate(template, { DIR: '/tmp/x' })).toThrow(
      'template values missing: PORT, UPSTREAM_PORT',
    )
  })
})
