import { MemoryStateProvider } from '../src';
import { backendContract } from './backend-contract';

backendContract('memory', () => new MemoryStateProvider());
