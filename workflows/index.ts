/** Every workflow the juece worker runs. */
export { majorDecision } from './majorDecision';
export { enforcementPublication } from './enforcementPublication';
export { annualCatalog } from './annualCatalog';
export { enforcementLegalReview } from './enforcementLegalReview';
