import { defineFaultMatrix } from './fault-matrix.js';

defineFaultMatrix('isolate-iam-user');
