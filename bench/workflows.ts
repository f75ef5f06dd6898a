/** The benchmark worker's workflows: juece's, and the bare baseline beside them. */
export * from '../workflows';
export { baselineDecision } from './baseline';
