import { defineFaultMatrix } from './fault-matrix.js';

defineFaultMatrix('isolate-lambda-function');
