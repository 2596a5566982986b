// What the bench counts as a client's own cost: CPU time and context switches of this process's
// threads so far (Linux, /proc/self/task). Shared by the Node bench programs and bench/loopcost.

import { readdirSync, readFileSync } from 'node:fs'

/** { name: [cpu ns, context switches] } so far, threads of one name together. */
export function threadUsage() {
  const out = {}
  for (const task of readdirSync('/proc/self/task')) {
    const base = `/proc/self/task/${task}`
    let name, cpu, status
    try {
      name = readFileSync(`${base}/comm`, 'utf8').trim()
      cpu = Number(readFileSync(`${base}/schedstat`, 'utf8').split(' ')[0])
      status = readFileSync(`${base}/status`, 'utf8')
    } catch {
      continue // the thread ended meanwhile
    }
    let switches = 0
    for (const match of status.matchAll(/ctxt_switches:\s+(\d+)/g)) switches += Number(match[1])
    const total = (out[name] ??= [0, 0])
    total[0] += cpu
    total[1] += switches
  }
  return out
}

/** [cpu ns, context switches] so far, all threads together. */
export function processUsage() {
  let cpu = 0
  let switches = 0
  for (const [threadCpu, threadSwitches] of Object.values(threadUsage())) {
    cpu += threadCpu
    switches += threadSwitches
  }
  return [cpu, switches]
}
