export { compileFormula, Formula } from './compile';
export type { FormulaFlavour, FormulaScope, Num, VariableBinding } from './compile';
