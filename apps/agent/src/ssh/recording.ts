/** Terminal output masked and recorded: shared by the protocols that relay terminals (session/output-pipe.ts). */
export { OutputPipe } from '../session/output-pipe';
