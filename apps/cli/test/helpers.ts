// The client-program helpers live in the test kit (@hoop/devstack); this re-export remains for the tests that still
// import them from here.
export { type ProcResult, psql, runProcess } from '@hoop/devstack';
