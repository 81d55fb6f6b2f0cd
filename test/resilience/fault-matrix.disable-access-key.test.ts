import { defineFaultMatrix } from './fault-matrix.js';

defineFaultMatrix('disable-access-key');
