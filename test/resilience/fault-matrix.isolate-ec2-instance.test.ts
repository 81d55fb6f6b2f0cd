import { defineFaultMatrix } from './fault-matrix.js';

defineFaultMatrix('isolate-ec2-instance');
