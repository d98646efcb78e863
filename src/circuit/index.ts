export { CircuitBreaker } from './circuitBreaker.js';
export { CIRCUIT_BREAKER_DEFAULTS, type CircuitBreakerOptions } from './options.js';
export type { CircuitSnapshot, CircuitState, CircuitStateStore } from './store.js';
