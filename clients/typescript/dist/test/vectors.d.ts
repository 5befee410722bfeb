export interface Vector {
    name: string;
    secret: string;
    body: string;
    timestamp_header: string | null;
    signature_header: string | null;
    now: number;
    tolerance_seconds: number;
    expected: string;
}
/** The shared cases in tests/vectors (compiled tests run from dist/test). */
export declare function loadVectors(): Vector[];
