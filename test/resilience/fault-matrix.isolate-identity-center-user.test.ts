import { defineFaultMatrix } from './fault-matrix.js';

defineFaultMatrix('isolate-identity-center-user');
