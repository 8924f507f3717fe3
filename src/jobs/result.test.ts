import { parseTerminationMessage } from './result.js';

describe('parseTerminationMessage', () => {
  it('keeps known fields of the right type only', () => {
    const msg = JSON.stringify({ stage: 'done', exitCode: 1, commit: 'abc1234', summary: 's', tests: { format: 'junit', total: 2, passed: -1, failed: 'x' }, metrics: { accuracy: 0.9, name: 'rf', 'bad key': 1, inf: null }, extra: { a: 1 } });
    expect(parseTerminationMessage(msg)).toEqual({ stage: 'done', exitCode: 1, commit: 'abc1234', summary: 's', tests: { format: 'junit', total: 2 }, metrics: { accuracy: 0.9 } });
  });

  it('a commit that is not hex is dropped; text that is not JSON becomes the summary; nothing gives undefined', () => {
    expect(parseTerminationMessage('{"commit":"main; rm -rf"}')).toEqual({});
    expect(parseTerminationMessage('Error: boom\n')).toEqual({ summary: 'Error: boom' });
    expect(parseTerminationMessage('')).toBeUndefined();
    expect(parseTerminationMessage(undefined)).toBeUndefined();
  });
});
