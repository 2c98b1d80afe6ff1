/** @module Tests for the PromQL metric-name finder that backs the "every expression references real metrics" check. */
import { describe, expect, test } from 'bun:test'
import { metricFamily, metricNames } from './promql-metric-names.ts'

describe('metricNames', () => {
  test('finds a bare selector and a selector with matchers', () => {
    expect(metricNames('up')).toEqual(['up'])
    expect(metricNames('up{job="gateway", instance=~"a|b"} == 0')).toEqual(['up'])
  })

  test('reads colon names used by vLLM', () => {
    expect(metricNames('max by (model_name) (vllm:kv_cache_usage_perc) > 0.85')).toEqual([
      'vllm:kv_cache_usage_perc',
    ])
  })

  test('skips functions, aggregations, grouping labels and durations', () => {
    const expr =
      'histogram_quantile(0.95, sum by (le, model) (rate(infergate_time_to_first_token_seconds_bucket[5m])))'
    expect(metricNames(expr)).toEqual(['infergate_time_to_first_token_seconds_bucket'])
  })

  test('skips on/ignoring/group_left label lists and keeps both sides of a binary operation', () => {
    const expr = 'a / on (gpu, instance) group_left (modelName) b and c unless d or e'
    expect(metricNames(expr)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  test('does not read label values, strings or regexes as names', () => {
    expect(metricNames('sum(rate(x_total{status=~"5..", route="/v1/models"}[1m])) by (route)')).toEqual([
      'x_total',
    ])
    expect(metricNames('label_replace(y, "dst", "$1", "src", "(.*)")')).toEqual(['y'])
  })

  test('reads numbers and durations as literals, not identifiers', () => {
    expect(metricNames('z offset 5m > 1e3 * 0x1f')).toEqual(['z'])
    expect(metricNames('increase(q_total[1h30m]) > 2.5')).toEqual(['q_total'])
  })

  test('takes a {__name__="..."} selector as that metric', () => {
    expect(metricNames('count({__name__="vllm:num_requests_running"})')).toEqual([
      'vllm:num_requests_running',
    ])
  })

  test('reports each name once, in order of first use', () => {
    expect(metricNames('a + b + a')).toEqual(['a', 'b'])
  })

  test('ignores comments and handles escaped quotes inside strings', () => {
    expect(metricNames('m{l="a\\"b"} # not_a_metric\n')).toEqual(['m'])
  })

  test('a multi-line expression with keywords in upper case', () => {
    expect(metricNames('SUM BY (job) (rate(r_total[5m]))\n  / SUM BY (job) (rate(s_total[5m]))')).toEqual([
      'r_total',
      's_total',
    ])
  })

  // Syntax errors elsewhere are promtool's job (expressions.test.ts); these would derail the tokenizer itself.
  test('rejects unbalanced matchers or ranges and unterminated strings', () => {
    expect(() => metricNames('rate(x{job="a"')).toThrow(/unbalanced/)
    expect(() => metricNames('rate(x[5m)')).toThrow(/unbalanced/)
    expect(() => metricNames('x{a="b}')).toThrow(/unterminated/)
  })
})

describe('metricFamily', () => {
  test('removes histogram and summary suffixes only', () => {
    expect(metricFamily('vllm:e2e_request_latency_seconds_bucket')).toBe('vllm:e2e_request_latency_seconds')
    expect(metricFamily('x_seconds_sum')).toBe('x_seconds')
    expect(metricFamily('x_seconds_count')).toBe('x_seconds')
    expect(metricFamily('vllm:prompt_tokens_total')).toBe('vllm:prompt_tokens_total')
  })
})
