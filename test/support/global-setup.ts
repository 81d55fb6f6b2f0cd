/**
 * Runs once before the whole test run: make sure the AWS emulator is available (installing it into a
 * project-local venv when needed). A missing emulator fails the run; it is never silently skipped.
 */
import { ensureMoto } from '../../scripts/moto.js';

export default function setup(): void {
  const path = ensureMoto();
  process.env['MOTO_SERVER'] = path;
}
