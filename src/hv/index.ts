/** Public surface of the hypervisor model. */
export * from './addr.js';
export * from './attributes.js';
export * from './config.js';
export * from './descriptor.js';
export * from './fault.js';
export * from './grants.js';
export * from './hypercall-rules.js';
export * from './hypervisor.js';
export * from './memory-port.js';
export * from './phys-mem.js';
export * from './ptdump.js';
export * from './stage2.js';
export * from './table-pool.js';
export * from './trace.js';
