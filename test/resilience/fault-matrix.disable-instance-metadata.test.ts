import { defineFaultMatrix } from './fault-matrix.js';

defineFaultMatrix('disable-instance-metadata');
