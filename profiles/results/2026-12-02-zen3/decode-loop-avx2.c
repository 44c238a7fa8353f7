// decode-loop.c of ../2026-12-02-zen5/ for AVX2 (eight lanes, no AVX-512), made from it by replacing the vector
// type, loads and the horizontal sum; the algorithm is unchanged: GQA, G = 4 query rows per KV head, D = 128, 8 KV
// heads, S = 16384 keys per head (4 layers cycled, 256 MiB of fp16 KV), tiles of 64 keys, rows prefetched 16 ahead.
//   gcc -O3 -march=native -ffast-math -fopenmp -DPF=16 decode-loop-avx2.c -o decode-loop-avx2 -lm && ./decode-loop-avx2
// On 2026-12-02 (2-core Zen 3, C read loop 18.5-23 GB/s): mean 4.9-5.6 ms a layer (12-13.7 GB/s), best 4.2-4.6;
// with OMP_WAIT_POLICY=passive (threads that sleep between layers, as PoCL's do) mean 6.5-8.2.
#ifdef INT8
#define ELEM signed char
#define LOAD8(p) _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)(p))))
#define INIT ((i*7)&63)-32
#else
#define ELEM unsigned short
#define LOAD8(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(p)))
#define INIT 0x3c00 ^ (i&0x3ff)
#endif
// decode microbenchmark: GQA G=4, D=128, fp16 K/V, per head S rows contiguous (pages of BS rows), tiles of T keys
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <omp.h>
#ifndef T
#define T 64
#endif
#ifndef PF
#define PF 16
#endif
#define D 128
#define G 4
static inline float hsum(__m256 v){ return ({__m128 h=_mm_add_ps(_mm256_castps256_ps128(v),_mm256_extractf128_ps(v,1)); h=_mm_add_ps(h,_mm_movehl_ps(h,h)); h=_mm_add_ss(h,_mm_shuffle_ps(h,h,1)); _mm_cvtss_f32(h);}); }
static void head(const ELEM* K, const ELEM* V, const float* q, float* out, int S) {
  float acc[G*D] __attribute__((aligned(64))); float m[G], l[G], sc[G*T];
  for(int i=0;i<G*D;i++)acc[i]=0; for(int r=0;r<G;r++){m[r]=-INFINITY;l[r]=0;}
  for(int f=0; f<S; f+=T){
    for(int j=0;j<T;j+=2){
      const ELEM* k0=K+(size_t)(f+j)*D, *k1=k0+D;
#if PF
      for(int c=0;c<2*D*(int)sizeof(ELEM);c+=64) _mm_prefetch((const char*)k0+PF*D*sizeof(ELEM)+c, _MM_HINT_T0);
#endif
      __m256 s[G][2];
      for(int r=0;r<G;r++){s[r][0]=_mm256_setzero_ps(); s[r][1]=_mm256_setzero_ps();}
      for(int d=0;d<D;d+=8){
        __m256 a=LOAD8(k0+d);
        __m256 b=LOAD8(k1+d);
        for(int r=0;r<G;r++){ __m256 qq=_mm256_loadu_ps(q+r*D+d); s[r][0]=_mm256_fmadd_ps(qq,a,s[r][0]); s[r][1]=_mm256_fmadd_ps(qq,b,s[r][1]); }
      }
      for(int r=0;r<G;r++){ sc[r*T+j]=hsum(s[r][0]); sc[r*T+j+1]=hsum(s[r][1]); }
    }
    for(int r=0;r<G;r++){ float mx=m[r]; for(int j=0;j<T;j++) mx=fmaxf(mx,sc[r*T+j]); float c=expf(m[r]-mx); float sum=0;
      for(int j=0;j<T;j++){ float e=expf(sc[r*T+j]-mx); sc[r*T+j]=e; sum+=e;} l[r]=l[r]*c+sum; m[r]=mx;
      if(c!=1.0f) for(int d=0;d<D;d++) acc[r*D+d]*=c; }
    for(int j=0;j<T;j+=2){
      const ELEM* v0=V+(size_t)(f+j)*D, *v1=v0+D;
#if PF
      for(int c=0;c<2*D*(int)sizeof(ELEM);c+=64) _mm_prefetch((const char*)v0+PF*D*sizeof(ELEM)+c, _MM_HINT_T0);
#endif
      for(int d=0;d<D;d+=8){
        __m256 a=LOAD8(v0+d);
        __m256 b=LOAD8(v1+d);
        for(int r=0;r<G;r++){ __m256 y=_mm256_load_ps(acc+r*D+d); y=_mm256_fmadd_ps(_mm256_set1_ps(sc[r*T+j]),a,y); y=_mm256_fmadd_ps(_mm256_set1_ps(sc[r*T+j+1]),b,y); _mm256_store_ps(acc+r*D+d,y);}
      }
    }
  }
  for(int r=0;r<G;r++) for(int d=0;d<D;d++) out[r*D+d]=acc[r*D+d]/l[r];
}
int main(int argc,char**argv){
  int S=16384, H=8, L=4; size_t per=(size_t)S*D; 
  ELEM* kv=aligned_alloc(64, (size_t)L*H*2*per*sizeof(ELEM));
  #pragma omp parallel for
  for(size_t i=0;i<(size_t)L*H*2*per;i++) kv[i]=INIT;
  float q[H*G*D], out[H*G*D]; for(int i=0;i<H*G*D;i++) q[i]=0.01f*(i%7);
  double best=1e9, tot=0; int reps=10;
  for(int rep=0;rep<reps;rep++) for(int layer=0;layer<L;layer++){
    double t=omp_get_wtime();
    #pragma omp parallel for schedule(static)
    for(int h=0;h<H;h++){ const ELEM* base=kv+((size_t)layer*H+h)*2*per; head(base, base+per, q+h*G*D, out+h*G*D, S); }
    t=omp_get_wtime()-t; if(rep>0){ tot+=t; if(t<best)best=t; }
  }
  double mean=tot/((reps-1)*L);
  printf("T=%d PF=%d: best %.3f ms mean %.3f ms per layer, %.1f GB/s (mean) out %g\n", T, PF, best*1e3, mean*1e3, H*2*per*sizeof(ELEM)/mean/1e9, out[5]);
}
