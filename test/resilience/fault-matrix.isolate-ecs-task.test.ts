import { defineFaultMatrix } from './fault-matrix.js';

defineFaultMatrix('isolate-ecs-task');
