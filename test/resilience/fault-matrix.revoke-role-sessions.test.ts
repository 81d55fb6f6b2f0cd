import { defineFaultMatrix } from './fault-matrix.js';

defineFaultMatrix('revoke-role-sessions');
