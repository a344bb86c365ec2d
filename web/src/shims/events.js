// A stand-in for node's "events" in the DICOM viewer's bundle: xmlbuilder2
// (pulled in by dcmjs through cornerstone) extends EventEmitter in code the
// viewer never runs.
export class EventEmitter {
  on() {
    return this;
  }
  once() {
    return this;
  }
  off() {
    return this;
  }
  emit() {
    return false;
  }
}
export default { EventEmitter };
