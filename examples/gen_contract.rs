//! Benchmark helper: writes a synthetic OpenAPI 3.0 contract of N operations
//! to stdout, shaped like a real API: resources with path parameters, query
//! parameters, JSON request bodies referencing shared schemas, and a bearer
//! security scheme.
//!
//! ```text
//! cargo run --release --example gen_contract -- 10000 > synthetic-10k.json
//! ```

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let operations: usize = std::env::args()
        .nth(1)
        .ok_or("usage: gen_contract OPERATIONS")?
        .parse()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    write!(
        out,
        r##"{{"openapi":"3.0.3","info":{{"title":"synthetic","version":"1"}},"servers":[{{"url":"/api"}}],"security":[{{"bearerAuth":[]}}],"paths":{{"##
    )?;
    // Four operations per resource: list, create, read, update.
    let resources = operations.div_ceil(4);
    let mut written = 0;
    for r in 0..resources {
        if written >= operations {
            break;
        }
        if r > 0 {
            write!(out, ",")?;
        }
        let collection = [
            format!(
                r##""get":{{"operationId":"list{r}","parameters":[{{"name":"limit","in":"query","schema":{{"type":"integer","minimum":1,"maximum":100}}}},{{"name":"q","in":"query","schema":{{"type":"string","pattern":"^[a-z]{{3,8}}$"}}}}],"responses":{{"200":{{"description":"OK","content":{{"application/json":{{"schema":{{"type":"array","items":{{"$ref":"#/components/schemas/Item"}}}}}}}}}}}}}}"##
            ),
            format!(
                r##""post":{{"operationId":"create{r}","requestBody":{{"required":true,"content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/Item"}}}}}}}},"responses":{{"201":{{"description":"Created"}}}}}}"##
            ),
        ];
        let item = [
            format!(
                r##""get":{{"operationId":"read{r}","responses":{{"200":{{"description":"OK"}},"404":{{"description":"Not found"}}}}}}"##
            ),
            format!(
                r##""put":{{"operationId":"update{r}","requestBody":{{"required":true,"content":{{"application/json":{{"schema":{{"$ref":"#/components/schemas/Item"}}}}}}}},"responses":{{"200":{{"description":"OK"}}}}}}"##
            ),
        ];
        let take_collection = (operations - written).min(2);
        write!(
            out,
            r##""/resource{r}/items":{{{}}}"##,
            collection[..take_collection].join(",")
        )?;
        written += take_collection;
        let take_item = (operations - written).min(2);
        if take_item > 0 {
            write!(
                out,
                r##","/resource{r}/items/{{itemId}}":{{"parameters":[{{"name":"itemId","in":"path","required":true,"schema":{{"type":"integer","minimum":1}}}}],{}}}"##,
                item[..take_item].join(",")
            )?;
            written += take_item;
        }
    }
    write!(
        out,
        r##"}},"components":{{"securitySchemes":{{"bearerAuth":{{"type":"http","scheme":"bearer"}}}},"schemas":{{"Item":{{"type":"object","required":["name","tags"],"properties":{{"id":{{"type":"integer","readOnly":true}},"name":{{"type":"string","minLength":1,"maxLength":64}},"tags":{{"type":"array","items":{{"type":"string","enum":["a","b","c"]}}}},"owner":{{"$ref":"#/components/schemas/Owner"}}}}}},"Owner":{{"type":"object","properties":{{"email":{{"type":"string","format":"email"}},"since":{{"type":"string","format":"date-time"}}}}}}}}}}}}"##
    )?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
