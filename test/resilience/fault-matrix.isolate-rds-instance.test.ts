import { defineFaultMatrix } from './fault-matrix.js';

defineFaultMatrix('isolate-rds-instance');
